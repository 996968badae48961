//! The user API's Gatehouse extensions for refresh tokens: `refreshToken` on the login
//! payload, the `refreshToken`, `logout` and `endMySession` mutations, and `mySessions`.

use serde_json::{Value, json};

use crate::rest_sessions::refresh_app;
use gatehouse_testkit::{Answer, TestApp, spawn_app};

const LOGIN: &str = "mutation($i: String!) { login(input: {identifier: $i, password: \"secret123\"}) { jwt refreshToken user { username } } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(refreshToken: $t) { jwt refreshToken } }";
const SESSIONS: &str = "{ mySessions { id deviceId deviceName current loginAt lastActiveAt } }";

async fn login(app: &TestApp, username: &str) -> (String, Value) {
    let answer =
        app.user().header("user-agent", "Firefox/120.0 (X11; Linux)").query(LOGIN, json!({ "i": username })).await;
    let login = answer.data()["login"].clone();
    (login["jwt"].as_str().unwrap().to_string(), login["refreshToken"].clone())
}

async fn as_user(app: &TestApp, jwt: &str, query: &str, variables: Value) -> Answer {
    app.user().bearer(jwt).query(query, variables).await
}

#[tokio::test]
async fn legacy_domains_answer_a_null_refresh_token_and_no_sessions() {
    let app = spawn_app().await;
    app.register("rita", "secret123").await;
    let (jwt, refresh_token) = login(&app, "rita").await;
    assert_eq!(refresh_token, Value::Null);
    let answer = as_user(&app, &jwt, SESSIONS, json!({})).await;
    assert_eq!((answer.error_code(), answer.error_message()), ("STRAPI_NOT_FOUND_ERROR", "Not Found"));
}

#[tokio::test]
async fn sessions_are_refreshed_listed_and_ended_over_graphql() {
    let app = refresh_app(json!({})).await;
    app.register("rita", "secret123").await;
    let (jwt, refresh_token) = login(&app, "rita").await;
    let (other, _) = login(&app, "rita").await;
    let refreshed = app.user().query(REFRESH, json!({ "t": refresh_token })).await;
    let new_token = refreshed.data()["refreshToken"]["refreshToken"].as_str().unwrap().to_string();
    let reused = app.user().query(REFRESH, json!({ "t": refresh_token })).await;
    assert_eq!((reused.error_code(), reused.error_message()), ("UNAUTHENTICATED", "Invalid refresh token"));
    let answer = app.user().query(REFRESH, json!({ "t": new_token })).await;
    assert_eq!(answer.error_message(), "Invalid refresh token", "the reuse ended the session");
    // The register session, and `other`.
    let listed = as_user(&app, &other, SESSIONS, json!({})).await;
    let sessions = listed.data()["mySessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_eq!((&sessions[0]["current"], &sessions[0]["deviceName"]), (&json!(true), &json!("Firefox on Linux")));
    assert_eq!(sessions[0]["deviceId"], Value::Null);
    let registered = sessions[1]["id"].as_str().unwrap();
    let end = "mutation($id: ID!) { endMySession(id: $id) { ok } }";
    assert_eq!(as_user(&app, &other, end, json!({ "id": registered })).await.data()["endMySession"]["ok"], true);
    let again = as_user(&app, &other, end, json!({ "id": registered })).await;
    assert_eq!(again.error_message(), "Session not found");
    let logout = as_user(&app, &other, "mutation { logout { ok } }", json!({})).await;
    assert_eq!(logout.data()["logout"]["ok"], true);
    let after = as_user(&app, &other, "{ me { username } }", json!({})).await;
    assert_eq!(after.status, 401);
    assert_eq!(as_user(&app, &jwt, "{ me { username } }", json!({})).await.status, 401, "ended by the reuse");
    let anonymous = app.user().query("mutation { logout(scope: \"all\") { ok } }", json!({})).await;
    assert_eq!(anonymous.error_code(), "FORBIDDEN");
}
