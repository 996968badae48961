//! Filters, sort and pagination of the user and role lists, against 200 seeded users.

use gatehouse_core::events::Actor;
use serde_json::{Value, json};

use crate::user_support::{domain, grant, seed_user};
use gatehouse_testkit::{TestApp, spawn_app};

const P: &str = "plugin::users-permissions.";

/// 200 users `user000`..`user199`; every 10th blocked; the multiples of 4 are editors.
async fn seeded() -> TestApp {
    let app = spawn_app().await;
    let domain = domain(&app).await;
    let editor =
        app.app.core.roles().create_role(&domain, "Editor", None, None, None, Actor::GlobalAdmin).await.unwrap();
    for i in 0..200 {
        let role = (i % 4 == 0).then_some(editor.id);
        seed_user(&app, &format!("user{i:03}"), i % 10 == 0, role).await;
    }
    grant(&app, "public", &[&format!("{P}user.find"), &format!("{P}role.find"), &format!("{P}role.findOne")]).await;
    app
}

/// Usernames and pageInfo of `usersPermissionsUsers_connection` with these arguments.
async fn list(app: &TestApp, arguments: &str, variables: Value) -> (Vec<String>, Value) {
    let query = format!(
        "query($f: UsersPermissionsUserFiltersInput) {{ usersPermissionsUsers_connection(filters: $f{arguments}) {{ nodes {{ username }} pageInfo {{ total page pageSize pageCount }} }} }}"
    );
    let answer = app.user().query(&query, variables).await;
    let connection = &answer.data()["usersPermissionsUsers_connection"];
    let names = connection["nodes"].as_array().unwrap().iter().map(|n| n["username"].as_str().unwrap().to_string());
    (names.collect(), connection["pageInfo"].clone())
}

fn names(range: impl IntoIterator<Item = usize>) -> Vec<String> {
    range.into_iter().map(|i| format!("user{i:03}")).collect()
}

#[tokio::test]
async fn filters_sort_and_pagination_over_200_users() {
    let app = seeded().await;
    // Defaults: the first 10 in creation order.
    let (page, info) = list(&app, "", json!({})).await;
    assert_eq!(page, names(0..10));
    assert_eq!(info, json!({ "total": 200, "page": 1, "pageSize": 10, "pageCount": 20 }));

    // Page-based and offset-based pagination.
    let (page, info) = list(&app, ", pagination: {page: 3, pageSize: 25}", json!({})).await;
    assert_eq!(page, names(50..75));
    assert_eq!(info, json!({ "total": 200, "page": 3, "pageSize": 25, "pageCount": 8 }));
    let (page, info) = list(&app, ", pagination: {start: 195, limit: 10}", json!({})).await;
    assert_eq!(page, names(195..200));
    assert_eq!(info["page"], 20);
    let (page, _) = list(&app, ", pagination: {limit: -1}", json!({})).await;
    assert_eq!(page.len(), 200);

    // Sort, then filters.
    let (page, _) = list(&app, ", sort: [\"username:desc\"], pagination: {pageSize: 3}", json!({})).await;
    assert_eq!(page, ["user199", "user198", "user197"]);
    let cases: Vec<(Value, Vec<String>)> = vec![
        (json!({ "username": { "eq": "user042" } }), names([42])),
        (json!({ "username": { "eqi": "USER042" } }), names([42])),
        (json!({ "username": { "eq": "USER042" } }), vec![]),
        (json!({ "username": { "startsWith": "user19" } }), names(190..200)),
        (json!({ "username": { "endsWith": "99" } }), names([99, 199])),
        (json!({ "username": { "contains": "r15" } }), names(150..160)),
        (json!({ "username": { "containsi": "R15" } }), names(150..160)),
        (json!({ "username": { "contains": "R15" } }), vec![]),
        (json!({ "username": { "in": ["user001", "user002", "nobody"] } }), names([1, 2])),
        (json!({ "username": { "between": ["user010", "user013"] } }), names(10..14)),
        (json!({ "username": { "gte": "user197" } }), names(197..200)),
        (json!({ "email": { "eq": "user007@example.com" } }), names([7])),
        (json!({ "blocked": { "eq": true }, "username": { "lt": "user050" } }), names([0, 10, 20, 30, 40])),
        (json!({ "or": [{ "username": { "eq": "user003" } }, { "username": { "eq": "user005" } }] }), names([3, 5])),
        (
            json!({ "and": [{ "username": { "startsWith": "user00" } }, { "not": { "username": { "in": ["user000", "user001"] } } }] }),
            names(2..10),
        ),
        (json!({ "username": { "not": { "lt": "user196" } } }), names(196..200)),
        (json!({ "role": { "type": { "eq": "editor" } }, "username": { "lt": "user020" } }), names([0, 4, 8, 12, 16])),
        (json!({ "role": { "name": { "eq": "Authenticated" } }, "username": { "lt": "user004" } }), names(1..4)),
        (json!({ "provider": { "eq": "local" }, "username": { "startsWith": "user00" } }), names(0..10)),
    ];
    for (filter, expected) in cases {
        let (page, info) = list(&app, ", pagination: {limit: -1}", json!({ "f": filter })).await;
        assert_eq!(page, expected, "{filter}");
        assert_eq!(info["total"], expected.len(), "{filter}");
    }
    let (_, info) = list(&app, "", json!({ "f": { "blocked": { "eq": true } } })).await;
    assert_eq!(info, json!({ "total": 20, "page": 1, "pageSize": 10, "pageCount": 2 }));
    let (_, info) = list(&app, "", json!({ "f": { "role": { "type": { "eq": "editor" } } } })).await;
    assert_eq!(info["total"], 50);

    // Timestamps filter as DateTime.
    let (_, info) = list(&app, "", json!({ "f": { "createdAt": { "gt": "2000-01-01T00:00:00Z" } } })).await;
    assert_eq!(info["total"], 200);
    let (_, info) = list(&app, "", json!({ "f": { "createdAt": { "lt": "2000-01-01T00:00:00.000Z" } } })).await;
    assert_eq!(info["total"], 0);
}

#[tokio::test]
async fn list_argument_errors() {
    let app = spawn_app().await;
    grant(&app, "public", &[&format!("{P}user.find")]).await;
    let ask = |arguments: &str| format!("{{ usersPermissionsUsers({arguments}) {{ username }} }}");

    let answer = app.user().query(&ask("pagination: {page: 1, limit: 5}"), json!({})).await;
    assert_eq!(answer.error_message(), "Cannot use both page & offset pagination in the same query");
    assert_eq!(answer.error_code(), "STRAPI_PAGINATION_ERROR");
    assert_eq!(answer.body["errors"][0]["extensions"]["error"]["name"], "PaginationError");

    // Private attributes are not in the filter input at all, as in Strapi 5.54.
    for private in ["password", "resetPasswordToken", "confirmationToken"] {
        let answer = app.user().query(&ask(&format!("filters: {{{private}: {{eq: \"x\"}}}}")), json!({})).await;
        assert_eq!(answer.error_code(), "GRAPHQL_VALIDATION_FAILED", "{private}");
    }
    let answer = app.user().query(&ask("sort: \"resetPasswordToken:asc\""), json!({})).await;
    assert_eq!(answer.error_message(), "Invalid key resetPasswordToken");
    let answer = app.user().query(&ask("filters: {blocked: {contains: true}}"), json!({})).await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    let answer = app.user().query(&ask("filters: {username: {between: [\"a\"]}}"), json!({})).await;
    assert_eq!(answer.error_message(), "between takes exactly two values");
}

#[tokio::test]
async fn roles_list_with_users_and_counts() {
    let app = seeded().await;
    let query = r#"{ usersPermissionsRoles_connection(filters: {type: {ne: "public"}}, sort: "name:desc") {
        nodes { name type users(pagination: {pageSize: 2}, sort: "username:desc") { username }
                users_connection(filters: {blocked: {eq: true}}) { pageInfo { total } } }
        pageInfo { total } } }"#;
    let answer = app.user().query(query, json!({})).await;
    let connection = &answer.data()["usersPermissionsRoles_connection"];
    assert_eq!(connection["pageInfo"]["total"], 2);
    assert_eq!(connection["nodes"][0]["name"], "Editor");
    assert_eq!(connection["nodes"][0]["users"], json!([{ "username": "user196" }, { "username": "user192" }]));
    assert_eq!(connection["nodes"][0]["users_connection"]["pageInfo"]["total"], 10, "blocked editors: multiples of 20");
    assert_eq!(connection["nodes"][1]["name"], "Authenticated");
    assert_eq!(connection["nodes"][1]["users_connection"]["pageInfo"]["total"], 10);

    // Roles filtered by their users and by their permissions.
    let by_user = r#"{ usersPermissionsRoles(filters: {users: {username: {eq: "user004"}}}) { type } }"#;
    assert_eq!(
        app.user().query(by_user, json!({})).await.data()["usersPermissionsRoles"],
        json!([{ "type": "editor" }])
    );
    let by_permission = r#"{ usersPermissionsRoles(filters: {permissions: {action: {eq: "plugin::users-permissions.user.me"}}}) { type } }"#;
    assert_eq!(
        app.user().query(by_permission, json!({})).await.data()["usersPermissionsRoles"],
        json!([{ "type": "authenticated" }])
    );

    // A role's permissions are only shown with permission.find.
    let permissions = r#"{ usersPermissionsRole(documentId: "1") { permissions(sort: "action", pagination: {limit: 2}) { action } } }"#;
    let answer = app.user().query(permissions, json!({})).await;
    assert_eq!(answer.error_message(), "Forbidden access");
    grant(&app, "public", &[&format!("{P}permission.find")]).await;
    let answer = app.user().query(permissions, json!({})).await;
    assert_eq!(
        answer.data()["usersPermissionsRole"]["permissions"],
        json!([{ "action": "plugin::users-permissions.auth.changePassword" }, { "action": "plugin::users-permissions.auth.getSessions" }])
    );
}

#[tokio::test]
async fn sorts_follow_the_role_of_users_as_strapi() {
    let app = seeded().await;
    let query = r#"{ usersPermissionsUsers(sort: ["role.name:desc", "username:asc"], filters: {username: {lt: "user009"}}) { username role { name } } }"#;
    let answer = app.user().query(query, json!({})).await;
    let users = answer.data()["usersPermissionsUsers"].as_array().unwrap().clone();
    let names: Vec<&str> = users.iter().map(|u| u["username"].as_str().unwrap()).collect();
    // Editor before Authenticated, each by username.
    assert_eq!(
        names,
        ["user000", "user004", "user008", "user001", "user002", "user003", "user005", "user006", "user007"]
    );
    let query = r#"{ usersPermissionsUsers(sort: "role.type", pagination: {limit: 1}) { role { type } } }"#;
    assert_eq!(
        app.user().query(query, json!({})).await.data()["usersPermissionsUsers"][0]["role"]["type"],
        "authenticated"
    );
    // A role has many users: there is no one value to sort roles by.
    let answer = app.user().query(r#"{ usersPermissionsRoles(sort: "users.username") { name } }"#, json!({})).await;
    assert_eq!(answer.error_message(), "Invalid key users");
}

#[tokio::test]
async fn strapi_5_54_publication_arguments_are_accepted_and_change_nothing() {
    let app = seeded().await;
    grant(&app, "public", &[&format!("{P}user.findOne")]).await;
    let args = "status: PUBLISHED, hasPublishedVersion: true, publicationFilter: NEVER_PUBLISHED";
    for query in [
        format!("{{ usersPermissionsUsers({args}) {{ username }} }}"),
        format!("{{ usersPermissionsUsers_connection({args}) {{ pageInfo {{ total }} }} }}"),
        format!("{{ usersPermissionsRoles({args}) {{ name }} }}"),
        format!("{{ usersPermissionsRoles_connection({args}) {{ pageInfo {{ total }} }} }}"),
        format!("{{ usersPermissionsRole(documentId: \"1\", {args}) {{ name }} }}"),
        format!("{{ usersPermissionsUser(documentId: \"1\", {args}) {{ username }} }}"),
    ] {
        let answer = app.user().query(&query, json!({})).await;
        let data = answer.data();
        assert!(!data.as_object().unwrap().values().any(serde_json::Value::is_null), "{query}: {data}");
    }
    let (page, _) = list(&app, ", publicationFilter: PUBLISHED_WITH_DRAFT", json!({})).await;
    assert_eq!(page, names(0..10));
}
