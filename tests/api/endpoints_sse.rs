//! Subscriptions over SSE at every endpoint, and the operation-type rules of each transport.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// `GET <url>/sse?query=...` as an event-stream client sends it.
async fn sse_get(app: &TestApp, url: &str, query: &str) -> reqwest::Response {
    let params = serde_urlencoded::to_string([("query", query)]).unwrap();
    app.client.get(format!("{url}/sse?{params}")).header("accept", "text/event-stream").send().await.unwrap()
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("a JSON body");
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_user_api_has_no_subscriptions_but_its_sse_route_answers() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/sse", app.user_url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "no_query_supplied");

    let response = sse_get(&app, &app.user_url, "{ me { id } }").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "unsupported_operation");

    // No subscription type: a validation error, before any stream opens.
    let response = sse_get(&app, &app.user_url, "subscription { anything }").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "GRAPHQL_VALIDATION_FAILED");

    let response = app
        .client
        .get(format!("{}/sse?query=subscription%20%7Ba%7D", app.user_url))
        .header("authorization", "Bearer not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn subscriptions_over_plain_post_and_get_are_refused() {
    let app = spawn_app().await;
    let answer = app.user().query("subscription { anything }", json!({})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "unsupported_operation");
    let answer = app.user().get(&[("query", "subscription { anything }")]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "unsupported_operation");
}

#[tokio::test]
async fn queries_over_graphql_sse_are_refused_as_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(&app.user_url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "unsupported_operation");
}
