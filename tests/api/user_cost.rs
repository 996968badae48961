//! What a query may cost and what a response may carry: lists count the records they ask
//! for, a query over the limit is refused before anything runs, and a response stops at a
//! number of records.

use reqwest::StatusCode;
use serde_json::json;

use crate::user_support::{grant, seed_user};
use gatehouse_testkit::{spawn_app, spawn_app_with};

const P: &str = "plugin::users-permissions.";

/// `{ role { users { ... username } } }` nested `levels` times.
fn nested(levels: usize) -> String {
    (0..levels).fold("username".to_string(), |inner, _| format!("role {{ users {{ {inner} }} }}"))
}

#[tokio::test]
async fn nested_lists_are_refused_before_any_resolver_runs() {
    let app = spawn_app().await;
    grant(&app, "public", &[&format!("{P}user.create"), &format!("{P}user.find"), &format!("{P}role.find")]).await;
    let query = format!("{{ usersPermissionsRoles {{ users {{ {} }} }} }}", nested(4));
    let answer = app.user().query(&query, json!({})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.error_message().contains("too complex"), "{}", answer.body);
    assert!(answer.body.get("data").is_none(), "nothing ran");

    // A mutation priced over the limit is refused whole: the user is not created.
    let create = format!(
        r#"mutation {{ createUsersPermissionsUser(data: {{username: "ghost", email: "ghost@example.com"}}) {{ data {{ {} }} }} }}"#,
        nested(4)
    );
    let answer = app.user().query(&create, json!({})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let domain = crate::user_support::domain(&app).await;
    assert!(app.app.core.users().user_by_username(&domain, "ghost").await.unwrap().is_none());

    // Every record counts: `limit: -1` as many, asked sizes as asked.
    let all = "{ usersPermissionsRoles(pagination: {limit: -1}) { users(pagination: {limit: -1}) { username } } }";
    assert_eq!(app.user().query(all, json!({})).await.status, StatusCode::BAD_REQUEST);
    let big = "{ usersPermissionsUsers(pagination: {pageSize: 100000}) { username } }";
    assert_eq!(app.user().query(big, json!({})).await.status, StatusCode::BAD_REQUEST);
    // What a front end asks is well within the limit.
    let page = "{ usersPermissionsUsers(pagination: {pageSize: 100}) { documentId username email provider confirmed blocked createdAt updatedAt publishedAt role { name } } }";
    app.user().query(page, json!({})).await.data();
    let two = format!("{{ usersPermissionsRoles {{ users {{ {} }} }} }}", nested(1));
    app.user().query(&two, json!({})).await.data();
}

#[tokio::test]
async fn a_response_carries_at_most_the_configured_records() {
    let app = spawn_app_with(|config| config.limits.response_records = 5).await;
    grant(&app, "public", &[&format!("{P}user.find"), &format!("{P}role.find")]).await;
    for i in 0..8 {
        seed_user(&app, &format!("user{i}"), false, None).await;
    }
    let five = "{ usersPermissionsUsers(pagination: {limit: 5}) { username } }";
    assert_eq!(app.user().query(five, json!({})).await.data()["usersPermissionsUsers"].as_array().unwrap().len(), 5);
    let all = "{ usersPermissionsUsers(pagination: {limit: -1}) { username } }";
    let answer = app.user().query(all, json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["data"], serde_json::Value::Null);
    assert_eq!(answer.error_code(), "STRAPI_PAGINATION_ERROR");
    assert_eq!(answer.error_message(), "The response would carry more than 5 records; ask for smaller pages");
    // Each list of one response draws on the same budget.
    let split = "{ a: usersPermissionsUsers(pagination: {limit: 3}) { username } b: usersPermissionsUsers(pagination: {limit: 3}) { username } }";
    assert_eq!(app.user().query(split, json!({})).await.error_code(), "STRAPI_PAGINATION_ERROR");
}
