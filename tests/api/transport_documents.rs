//! Documents kept between requests: Apollo's automatic persisted queries, a query text parsed
//! once for many requests without one request's variables or checks leaking into the next, and
//! the answers kept for queries of the signed-in user's own fields.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::user_support::grant;
use gatehouse_testkit::{TestApp, spawn_app};

const ME: &str = "query Me { me { username } }";

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn persisted(text: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(text) } })
}

#[tokio::test]
async fn a_persisted_query_runs_by_its_hash_once_its_text_was_sent() {
    let app = spawn_app().await;
    let token = app.register("alice", "secret123").await;
    let user = || app.user().bearer(&token);

    // Apollo's protocol: the hash alone first; unknown, the client sends the text with it.
    let by_hash = json!({ "extensions": persisted(ME) }).to_string();
    let answer = user().raw("application/json", by_hash.clone()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_message(), "PersistedQueryNotFound");
    assert_eq!(answer.error_code(), "PERSISTED_QUERY_NOT_FOUND");
    assert!(answer.body.get("data").is_none());

    let with_text = json!({ "query": ME, "extensions": persisted(ME) }).to_string();
    assert_eq!(user().raw("application/json", with_text).await.data(), &json!({ "me": { "username": "alice" } }));
    assert_eq!(user().raw("application/json", by_hash).await.data(), &json!({ "me": { "username": "alice" } }));
    // Over GET too, as Apollo Client sends queries with `useGETForHashedQueries`.
    let extensions = persisted(ME).to_string();
    let answer = user().get(&[("operationName", "Me"), ("extensions", &extensions)]).await;
    assert_eq!(answer.data(), &json!({ "me": { "username": "alice" } }));
}

#[tokio::test]
async fn a_persisted_query_is_refused_when_its_hash_does_not_match_or_is_malformed() {
    let app = spawn_app().await;
    let other = "{ __typename }";
    let mismatched = json!({ "query": other, "extensions": persisted(ME) }).to_string();
    let answer = app.user().raw("application/json", mismatched).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_message(), "provided sha does not match query");
    // Nothing was registered under the hash.
    let answer = app.user().raw("application/json", json!({ "extensions": persisted(ME) }).to_string()).await;
    assert_eq!(answer.error_code(), "PERSISTED_QUERY_NOT_FOUND");

    for extension in [
        json!({ "version": 2, "sha256Hash": sha256(other) }),
        json!({ "version": 1, "sha256Hash": "not-a-hash" }),
        json!(true),
    ] {
        let body = json!({ "extensions": { "persistedQuery": extension } }).to_string();
        let answer = app.user().raw("application/json", body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{extension}");
        assert!(answer.error_code().starts_with("PERSISTED_QUERY_"), "{}", answer.body);
    }
}

#[tokio::test]
async fn a_mutation_known_by_its_hash_still_needs_post() {
    let app = spawn_app().await;
    let register =
        r#"mutation { register(input: {username: "bob", email: "bob@example.com", password: "secret123"}) { jwt } }"#;
    let body = json!({ "query": "{ __typename }" }).to_string();
    app.user().raw("application/json", body).await.data();
    let registration = json!({ "query": register, "extensions": persisted(register) }).to_string();
    assert!(app.user().raw("application/json", registration).await.data()["register"]["jwt"].is_string());
    let extensions = persisted(register).to_string();
    let answer = app.user().get(&[("extensions", &extensions)]).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn one_text_parsed_once_answers_each_request_with_its_own_variables_and_checks() {
    let app = spawn_app().await;
    let greet = "query Greet($d: String!) { __type(name: $d) { name } }";
    for round in 0..3 {
        for name in ["Query", "UsersPermissionsMe"] {
            let answer = app.user().query(greet, json!({ "d": name })).await;
            assert_eq!(answer.data(), &json!({ "__type": { "name": name } }), "round {round}");
        }
        // The checks that depend on the request run every time, on a known text too.
        let answer = app.user().query(greet, json!({})).await;
        assert!(!answer.error_message().is_empty(), "a missing variable is an error: {}", answer.body);
        let answer = app.user().query(greet, json!({ "d": [[[[[[[[[[[[[[[[[["Query"]]]]]]]]]]]]]]]]]] })).await;
        assert_eq!(answer.error_code(), "query_limit_exceeded", "{}", answer.body);
        let answer =
            app.user().get(&[("query", greet), ("variables", r#"{"d": "Query"}"#), ("operationName", "Other")]).await;
        assert!(!answer.error_message().is_empty(), "an unknown operation name is an error: {}", answer.body);
    }
}

/// Every field of `me` whose answer is kept between requests.
const OWN_FIELDS: &str = "{ me { id documentId username email confirmed blocked __typename } }";
/// The same through fragments, as Apollo's generated documents spell it.
const OWN_FIELDS_BY_FRAGMENTS: &str = "query Me { me { ...Ids ... on UsersPermissionsMe { username email } \
     confirmed blocked __typename } } fragment Ids on UsersPermissionsMe { id documentId }";
const UPDATE_SELF: &str = "mutation($id: ID!, $data: UsersPermissionsUserInput!) { updateUsersPermissionsUser(id: $id, data: $data) { data { username } } }";

/// `me` by both documents, which must agree.
async fn own_fields(app: &TestApp, token: &str) -> Value {
    let answer = app.user().bearer(token).query(OWN_FIELDS, json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let by_fragments = app.user().bearer(token).query(OWN_FIELDS_BY_FRAGMENTS, json!({})).await;
    assert_eq!(by_fragments.data()["me"], answer.data()["me"]);
    answer.data()["me"].clone()
}

#[tokio::test]
async fn a_kept_answer_of_own_fields_follows_each_change_to_the_user() {
    let app = spawn_app().await;
    grant(&app, "authenticated", &["plugin::users-permissions.user.update"]).await;
    let alice = app.register("alice", "secret123").await;
    let bob = app.register("bob", "secret123").await;

    let first = own_fields(&app, &alice).await;
    assert_eq!(first["username"], "alice");
    assert_eq!(own_fields(&app, &alice).await, first);
    // Another user sending the same document gets their own answer.
    assert_eq!(own_fields(&app, &bob).await["username"], "bob");

    let id = first["id"].as_str().unwrap().to_string();
    for (change, field, value) in [
        (json!({ "username": "alicia" }), "username", json!("alicia")),
        (json!({ "email": "alicia@example.com" }), "email", json!("alicia@example.com")),
        (json!({ "username": "alice" }), "username", json!("alice")),
    ] {
        let update = app.user().bearer(&alice).query(UPDATE_SELF, json!({ "id": id, "data": change })).await;
        assert_eq!(update.status, StatusCode::OK, "{}", update.body);
        let now = own_fields(&app, &alice).await;
        assert_eq!(now[field], value, "after {change}");
        assert_eq!(now["id"], first["id"]);
        assert_eq!(now["documentId"], first["documentId"]);
    }
    // A change made in the core, as the admin API makes it, is answered at once too.
    let confirmed = first["confirmed"].as_bool().unwrap();
    let domain = crate::user_support::domain(&app).await;
    let patch = gatehouse_core::UserPatch { confirmed: Some(!confirmed), ..Default::default() };
    let user = gatehouse_core::UserId::new(id.parse().unwrap());
    app.app.core.users().update_user(&domain, user, patch, gatehouse_core::events::Actor::GlobalAdmin).await.unwrap();
    assert_eq!(own_fields(&app, &alice).await["confirmed"], !confirmed);
}

#[tokio::test]
async fn a_kept_answer_with_the_role_follows_each_change_to_the_role() {
    let app = spawn_app().await;
    let token = app.register("carol", "secret123").await;
    let me_and_role = "{ me { username role { name type } } }";
    let role = || async { app.user().bearer(&token).query(me_and_role, json!({})).await.data()["me"]["role"].clone() };
    assert_eq!(role().await, json!({ "name": "Authenticated", "type": "authenticated" }));
    assert_eq!(role().await["name"], "Authenticated");

    let roles = app.app.core.roles();
    let domain = crate::user_support::domain(&app).await;
    let authenticated = roles.role_by_type(&domain, "authenticated").await.unwrap().unwrap();
    grant(&app, "authenticated", &[gatehouse_core::permissions::ROLE_UPDATE, "plugin::users-permissions.user.update"])
        .await;
    let rename = "mutation($id: ID!) { updateUsersPermissionsRole(id: $id, data: {name: \"Members\"}) { ok } }";
    let renamed = app.user().bearer(&token).query(rename, json!({ "id": authenticated.document_id })).await;
    assert_eq!(renamed.data()["updateUsersPermissionsRole"]["ok"], true, "{}", renamed.body);
    assert_eq!(role().await["name"], "Members");

    // Another role for the user.
    let public = roles.role_by_type(&domain, "public").await.unwrap().unwrap();
    let id = app.user().bearer(&token).query("{ me { id } }", json!({})).await.data()["me"]["id"].clone();
    let moved =
        app.user().bearer(&token).query(UPDATE_SELF, json!({ "id": id, "data": { "role": public.document_id } })).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(role().await, json!({ "name": "Public", "type": "public" }));
}

#[tokio::test]
async fn an_answer_that_reads_more_than_the_user_is_executed_each_time() {
    let app = spawn_app().await;
    let token = app.register("erin", "secret123").await;
    let query = "{ me { username } checkPermission(action: \"api::article.article.find\") }";
    let allowed =
        || async { app.user().bearer(&token).query(query, json!({})).await.data()["checkPermission"].clone() };
    assert_eq!(allowed().await, false);
    grant(&app, "authenticated", &["api::article.article.find"]).await;
    assert_eq!(allowed().await, true);
}

#[tokio::test]
async fn a_kept_answer_is_not_given_to_an_anonymous_caller_or_a_refused_token() {
    let app = spawn_app().await;
    let token = app.register("dave", "secret123").await;
    assert_eq!(own_fields(&app, &token).await["username"], "dave");
    let anonymous = app.user().query(OWN_FIELDS, json!({})).await;
    assert_eq!(anonymous.body["data"]["me"], Value::Null, "{}", anonymous.body);
    assert_eq!(anonymous.error_message(), "Forbidden access");
    let tampered = format!("{token}x");
    assert_eq!(app.user().bearer(&tampered).query(OWN_FIELDS, json!({})).await.status, StatusCode::UNAUTHORIZED);
}
