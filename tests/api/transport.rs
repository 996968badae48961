//! GraphQL over HTTP: bad input gets a clear 4xx and changes nothing.

use reqwest::StatusCode;
use serde_json::json;

use gatehouse_testkit::{TestApp, spawn_app};

const REGISTER: &str =
    r#"mutation { register(input: {username: "mallory", email: "m@example.com", password: "secret123"}) { jwt } }"#;

async fn assert_nothing_stored(app: &TestApp) {
    let answer = app.login("mallory", "secret123").await;
    assert_eq!(answer.error_message(), "Invalid identifier or password", "the refused request stored a user");
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let answer = app.user().raw("application/json", format!("{{\"query\": {REGISTER:?}")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_json_body");
    let answer = app.user().raw("application/json", vec![0xff, 0xfe, b'{']).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let answer = app.user().raw("application/json", "{}").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "no_query_supplied");
    let answer =
        app.user().raw("application/json", json!({"query": REGISTER, "variables": "{1: 2}"}).to_string()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "variables_invalid_json");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn wrong_content_type_is_a_415() {
    let app = spawn_app().await;
    let body = json!({ "query": REGISTER }).to_string();
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"] {
        let answer = app.user().raw(content_type, body.clone()).await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
    }
    assert_nothing_stored(&app).await;
    // A charset parameter naming UTF-8 is fine.
    let answer = app.user().raw("application/json; charset=utf-8", body).await;
    assert!(answer.data()["register"]["jwt"].is_string());
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let app = spawn_app().await;
    let padding = " ".repeat(2 << 20);
    let body = format!("{{\"query\": {REGISTER:?}, \"pad\": \"{padding}\"}}");
    let answer = app.user().raw("application/json", body).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_query_100_levels_deep_is_refused() {
    let app = spawn_app().await;
    let mut query = String::from("__typename");
    for _ in 0..100 {
        query = format!("me {{ role {{ {query} }} }}");
    }
    let query = format!(
        "mutation {{ register(input: {{username: \"mallory\", email: \"m@example.com\", password: \"secret123\"}}) {{ user {{ role {{ name }} }} }} }} query Deep {{ {query} }}"
    );
    let answer =
        app.user().raw("application/json", json!({ "query": query, "operationName": "Deep" }).to_string()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.error_message().contains("deeper than"), "{}", answer.body);
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = spawn_app().await;
    let aliases: String = (0..100).map(|i| format!("a{i}: __typename ")).collect();
    let answer = app.user().query(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.error_message().contains("aliases"));
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let app = spawn_app().await;
    let answer = app
        .user()
        .get(&[("query", "query A { a: __typename } query B { b: __typename }"), ("operationName", "B")])
        .await;
    assert_eq!(answer.data(), &json!({ "b": "Query" }), "operationName selects the operation");
    let answer = app.user().get(&[("query", REGISTER)]).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn responses_follow_the_accept_header() {
    let app = spawn_app().await;
    let request = |accept: &'static str, query: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(&app.user_url)
                .header("accept", accept)
                .json(&json!({ "query": query }))
                .send()
                .await
                .unwrap()
        }
    };
    let response = request("application/graphql-response+json", "{ __typename }").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/graphql-response+json; charset=utf-8");
    let response = request("application/json", "{ __typename }").await;
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
    // A document that does not parse: 400 for the modern media type, 200 for legacy JSON, never `data`.
    let response = request("application/graphql-response+json", "{ me ").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body.get("data").is_none());
    let response = request("application/json", "{ unknownField }").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body.get("data").is_none() && body["errors"][0]["message"].is_string());
    let response = request("text/csv", "{ __typename }").await;
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn a_batch_of_operations_is_refused_as_apollo_refuses_it() {
    let app = spawn_app().await;
    let batch = json!([{ "query": REGISTER }, { "query": "{ __typename }" }]).to_string();
    let answer = app.user().raw("application/json", format!("  {batch}")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_message(), "Operation batching disabled.");
    assert_eq!(answer.error_code(), "BAD_REQUEST");
    assert_nothing_stored(&app).await;
    // The admin API keeps its own code for a body that is not an object.
    let answer = app.admin().raw("application/json", batch).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "invalid_json_body");
}
