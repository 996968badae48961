//! Subscriptions over SSE at every endpoint, and the operation-type rules of each transport.

use reqwest::StatusCode;
use serde_json::{Value, json};

use gatehouse_testkit::{TestApp, spawn_app};

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

const EVENTS: &str = "subscription($d: DomainName, $n: PosInt) { audit { subscribeForEvents(domain: $d, limit: $n) { id type domain user actor } } }";

/// Opens `GET <url>/sse` with `query` and `variables`; panics unless the stream opened.
async fn open_stream(call: reqwest::RequestBuilder) -> reqwest::Response {
    let mut response = call.header("accept", "text/event-stream").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // The opening comment: the subscription is live once it arrived.
    assert_eq!(next_chunk(&mut response).await, ":\n\n");
    response
}

fn sse_request(app: &TestApp, url: &str, query: &str, variables: Value) -> reqwest::RequestBuilder {
    let params = [("query", query.to_string()), ("variables", variables.to_string())];
    app.client.get(format!("{url}/sse?{}", serde_urlencoded::to_string(params).unwrap()))
}

async fn next_chunk(response: &mut reqwest::Response) -> String {
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk())
        .await
        .expect("the stream goes on")
        .unwrap()
        .expect("the stream is not over");
    String::from_utf8(chunk.to_vec()).unwrap()
}

/// The rest of a stream that ends by itself, as `(id, data)` events; keep-alives skipped.
async fn remaining_events(response: reqwest::Response) -> Vec<(u64, Value)> {
    let text = tokio::time::timeout(std::time::Duration::from_secs(10), response.text())
        .await
        .expect("the stream ends by itself")
        .unwrap();
    text.split_inclusive("\n\n")
        .filter(|frame| !frame.starts_with(':'))
        .map(|frame| {
            let (id, data) = frame
                .strip_prefix("id: ")
                .and_then(|rest| rest.strip_suffix("\n\n"))
                .and_then(|rest| rest.split_once("\ndata: "))
                .unwrap_or_else(|| panic!("not an `id:`+`data:` event: {frame:?}"));
            (id.parse().unwrap(), serde_json::from_str(data).unwrap())
        })
        .collect()
}

fn event(data: &Value) -> &Value {
    &data["data"]["audit"]["subscribeForEvents"]
}

#[tokio::test]
async fn events_of_both_apis_reach_an_admin_subscription_which_ends_after_limit() {
    let app = spawn_app().await;
    let stream = open_stream(sse_request(&app, &app.admin_url, EVENTS, json!({ "d": "localhost", "n": 4 }))).await;
    app.register("ann", "secret123").await;
    app.login("ann", "secret123").await.data();
    app.login("ann", "wrong-password").await;
    crate::admin_support::enable_domain_admin(&app, "localhost", "domain-secret").await;
    let events = remaining_events(stream).await;
    let ids: Vec<u64> = events.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [1, 2, 3, 4], "numbered from 1, then the stream ends after `limit`");
    let kinds: Vec<&str> = events.iter().map(|(_, data)| event(data)["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["USER_REGISTERED", "LOGIN_SUCCEEDED", "LOGIN_FAILED", "DOMAIN_PASSWORD_SET"]);
    assert_eq!(event(&events[0].1)["user"], "ann@localhost");
    assert_eq!(event(&events[3].1)["actor"], "global_admin");
}

#[tokio::test]
async fn a_domain_admin_follows_its_own_domain_only() {
    let app = spawn_app().await;
    crate::admin_support::enable_domain_admin(&app, "localhost", "domain-secret").await;
    let as_domain_admin =
        |request: reqwest::RequestBuilder| request.basic_auth("admin@localhost", Some("domain-secret"));

    // The domain is required, and must be its own: refused before any stream opens.
    for variables in [json!({}), json!({ "d": "other.test" })] {
        let response =
            as_domain_admin(sse_request(&app, &app.domain_admin_url, EVENTS, variables.clone())).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{variables}");
        assert_eq!(error_code(response).await, "no_permissions", "{variables}");
    }
    let response = sse_request(&app, &app.domain_admin_url, EVENTS, json!({ "d": "localhost" })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "no credentials");

    let request = sse_request(&app, &app.domain_admin_url, EVENTS, json!({ "d": "localhost", "n": 1 }));
    let stream = open_stream(as_domain_admin(request)).await;
    // Another domain's event first: it must not arrive.
    let answer = app
        .user()
        .host("other.test")
        .query(
            "mutation { register(input: {username: \"oscar\", email: \"o@example.com\", password: \"secret123\"}) { jwt } }",
            json!({}),
        )
        .await;
    answer.data();
    app.register("lena", "secret123").await;
    let events = remaining_events(stream).await;
    assert_eq!(events.len(), 1);
    assert_eq!(event(&events[0].1)["user"], "lena@localhost");
}

#[tokio::test]
async fn the_global_admin_follows_every_domain_and_graphql_sse_clients_too() {
    let app = spawn_app().await;
    // graphql-sse's distinct-connections mode on the endpoint itself.
    let mut response = app
        .client
        .post(&app.admin_url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": EVENTS, "variables": { "n": 2 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(next_chunk(&mut response).await, ":\n\n");
    let answer = app
        .user()
        .host("other.test")
        .query(
            "mutation { register(input: {username: \"olga\", email: \"o@example.com\", password: \"secret123\"}) { jwt } }",
            json!({}),
        )
        .await;
    answer.data();
    app.register("lars", "secret123").await;
    let text = response.text().await.unwrap();
    let frames: Vec<&str> = text.split_inclusive("\n\n").filter(|f| !f.starts_with(':')).collect();
    assert_eq!(frames.len(), 3, "{text}");
    let users: Vec<String> = frames[..2]
        .iter()
        .map(|frame| {
            let data: Value = serde_json::from_str(frame.strip_prefix("event: next\ndata: ").unwrap().trim()).unwrap();
            event(&data)["user"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(users, ["olga@other.test", "lars@localhost"]);
    assert_eq!(frames[2], "event: complete\ndata:\n\n");
}

async fn open_streams_metric(app: &TestApp) -> String {
    let base = app.admin_url.trim_end_matches("/api/graphql");
    let text = app.client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find(|l| l.starts_with("gatehouse_sse_streams_open ")).unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_client_going_away_closes_its_stream() {
    let app = spawn_app().await;
    let stream = open_stream(sse_request(&app, &app.admin_url, EVENTS, json!({}))).await;
    assert_eq!(open_streams_metric(&app).await, "gatehouse_sse_streams_open 1");
    drop(stream);
    for _ in 0..200 {
        if open_streams_metric(&app).await == "gatehouse_sse_streams_open 0" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the stream was not closed: {}", open_streams_metric(&app).await);
}

#[tokio::test]
async fn stopping_the_server_ends_open_streams() {
    let app = spawn_app().await;
    let stream = open_stream(sse_request(&app, &app.admin_url, EVENTS, json!({}))).await;
    tokio::time::timeout(std::time::Duration::from_secs(10), app.app.stop(std::time::Duration::ZERO))
        .await
        .expect("the server stops");
    assert_eq!(remaining_events(stream).await, []);
}
