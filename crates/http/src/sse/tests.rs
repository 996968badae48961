//! The SSE transport on a throwaway schema: exact framing, refusals before the stream, the
//! keep-alive, the end of the stream, client disconnects and server shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::{Context, EmptyMutation, Object, Schema, Subscription};
use axum::http::StatusCode;
use futures_util::Stream;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::LimitsConfig;
use crate::graphql::{Endpoint, Mounted, RequestErrorKind, RequestHead};
use crate::rejection::Rejection;
use crate::server::{endpoint_routes, spawn};

struct Query;

#[Object]
impl Query {
    async fn ping(&self) -> &str {
        "pong"
    }
}

/// Live `forever` subscriptions, counted by a guard their stream owns.
#[derive(Default)]
struct Live(AtomicUsize);

struct Guard(Arc<Live>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Subscription;

#[Subscription]
impl Subscription {
    /// 1, 2, ..., `to`, then the end of the stream.
    async fn count(&self, to: i32) -> impl Stream<Item = i32> {
        futures_util::stream::iter(1..=to)
    }

    /// Never yields; its guard tells whether the stream is still alive.
    async fn forever(&self, ctx: &Context<'_>) -> impl Stream<Item = i32> {
        let live = ctx.data_unchecked::<Arc<Live>>().clone();
        live.0.fetch_add(1, Ordering::SeqCst);
        let guard = Guard(live);
        futures_util::stream::unfold(guard, |guard| async move {
            std::future::pending::<()>().await;
            Some((0, guard))
        })
    }

    /// Fails before yielding anything.
    async fn broken(&self) -> async_graphql::Result<futures_util::stream::Empty<i32>> {
        Err("no such thing".into())
    }
}

type TestSchema = Schema<Query, EmptyMutation, Subscription>;

struct TestEndpoint {
    schema: TestSchema,
}

impl Endpoint for TestEndpoint {
    type Executor = TestSchema;
    type Caller = ();

    fn name(&self) -> &'static str {
        "test"
    }

    fn executor(&self) -> &TestSchema {
        &self.schema
    }

    async fn authenticate(&self, head: &RequestHead) -> Result<(), Rejection> {
        match head.headers.get("authorization") {
            Some(value) if value != "Basic good" => {
                Err(Rejection::graphql(StatusCode::UNAUTHORIZED, "wrong_credentials", "Wrong credentials"))
            }
            _ => Ok(()),
        }
    }

    fn request_error_code(&self, kind: RequestErrorKind) -> &'static str {
        match kind {
            RequestErrorKind::Parse => "parser_error",
            RequestErrorKind::Validation => "validation_error",
        }
    }
}

struct Server {
    url: String,
    live: Arc<Live>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    client: reqwest::Client,
}

async fn serve(keepalive_seconds: u64) -> Server {
    let live = Arc::new(Live::default());
    let schema = Schema::build(Query, EmptyMutation, Subscription).data(live.clone()).finish();
    let mounted = Mounted {
        endpoint: TestEndpoint { schema },
        path: "/gql".into(),
        limits: LimitsConfig::default(),
        sse_keepalive_seconds: keepalive_seconds,
        documents: Default::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/gql", listener.local_addr().unwrap());
    let (stop, stopped) = watch::channel(false);
    let connections = LimitsConfig::default().connections(std::time::Duration::from_secs(5));
    let task = spawn(listener, endpoint_routes(mounted), connections, stopped);
    Server { url, live, stop, task, client: reqwest::Client::new() }
}

impl Server {
    fn sse_url(&self, query: &str) -> String {
        format!("{}/sse?{}", self.url, serde_urlencoded::to_string([("query", query)]).unwrap())
    }

    async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).header("accept", "text/event-stream").send().await.unwrap()
    }
}

/// The whole body, without keep-alive comments.
async fn events(response: reqwest::Response) -> String {
    let text = response.text().await.unwrap();
    text.split_inclusive("\n\n").filter(|frame| !frame.starts_with(':')).collect()
}

/// Reads the body until it holds `wanted`.
async fn read_until(response: &mut reqwest::Response, wanted: &str) -> String {
    let mut seen = String::new();
    while !seen.contains(wanted) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("the stream goes on")
            .unwrap()
            .expect("the stream is not over");
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    seen
}

async fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

#[tokio::test]
async fn numbered_events_from_id_1_then_the_stream_ends() {
    let server = serve(15).await;
    let response = server.get(&server.sse_url("subscription { count(to: 3) }")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert_eq!(
        events(response).await,
        concat!(
            "id: 1\ndata: {\"data\":{\"count\":1}}\n\n",
            "id: 2\ndata: {\"data\":{\"count\":2}}\n\n",
            "id: 3\ndata: {\"data\":{\"count\":3}}\n\n",
        )
    );
}

#[tokio::test]
async fn graphql_sse_next_events_then_complete() {
    let server = serve(15).await;
    let body = json!({ "query": "subscription($n: Int!) { count(to: $n) }", "variables": { "n": 2 } });
    let expected = concat!(
        "event: next\ndata: {\"data\":{\"count\":1}}\n\n",
        "event: next\ndata: {\"data\":{\"count\":2}}\n\n",
        "event: complete\ndata:\n\n",
    );
    // As the graphql-sse client sends it: POST <path>/sse, and POST <path> with the Accept header.
    for url in [format!("{}/sse", server.url), server.url.clone()] {
        let response = server.client.post(&url).header("accept", "text/event-stream").json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(events(response).await, expected, "{url}");
    }
    // GET on the endpoint with the Accept header: the same protocol.
    let url = format!(
        "{}?{}",
        server.url,
        serde_urlencoded::to_string([("query", "subscription { count(to: 2) }")]).unwrap()
    );
    assert_eq!(events(server.get(&url).await).await, expected);
}

#[tokio::test]
async fn errors_before_the_stream_are_json() {
    let server = serve(15).await;
    let cases = [
        (format!("{}/sse", server.url), StatusCode::BAD_REQUEST, "no_query_supplied"),
        (server.sse_url("{ ping }"), StatusCode::BAD_REQUEST, "unsupported_operation"),
        (server.sse_url("subscription { count(to: "), StatusCode::BAD_REQUEST, "parser_error"),
        (server.sse_url("subscription { nothing }"), StatusCode::BAD_REQUEST, "validation_error"),
        (server.sse_url("subscription { count(to: \"x\") }"), StatusCode::BAD_REQUEST, "validation_error"),
    ];
    for (url, status, code) in cases {
        let response = server.get(&url).await;
        assert_eq!(response.status(), status, "{url}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{url}: {body}");
        assert!(body.get("data").is_none(), "{body}");
    }
    let response = server
        .client
        .get(server.sse_url("subscription { count(to: 1) }"))
        .header("authorization", "Basic bad")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // MongooseIM: a resolver that fails at once is a plain JSON answer, no stream.
    let response = server.get(&server.sse_url("subscription { broken }")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["message"], "no such thing", "{body}");
    // Other methods than GET and POST are not served.
    let response = server.client.put(format!("{}/sse", server.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn graphql_sse_sends_validation_errors_in_the_stream() {
    let server = serve(15).await;
    let response = server
        .client
        .post(format!("{}/sse", server.url))
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "subscription { nothing }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = events(response).await;
    let frames: Vec<&str> = body.split_inclusive("\n\n").collect();
    assert_eq!(frames.len(), 2, "{body}");
    let data: Value = serde_json::from_str(frames[0].strip_prefix("event: next\ndata: ").unwrap().trim()).unwrap();
    assert!(data["errors"][0]["message"].as_str().unwrap().contains("nothing"), "{data}");
    assert_eq!(frames[1], "event: complete\ndata:\n\n");
    // Refusals of the request itself stay HTTP answers the client can read.
    let response = server
        .client
        .post(format!("{}/sse", server.url))
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "{ ping }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = server
        .client
        .post(format!("{}/sse", server.url))
        .header("content-type", "text/plain")
        .body("subscription { count(to: 1) }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn idle_streams_get_keepalive_comments() {
    let server = serve(1).await;
    let mut response = server.get(&server.sse_url("subscription { forever }")).await;
    assert_eq!(response.status(), StatusCode::OK);
    // One comment at once, then one per interval.
    let seen = read_until(&mut response, ":\n\n:\n\n").await;
    assert_eq!(seen, ":\n\n:\n\n");
}

#[tokio::test]
async fn a_client_going_away_frees_the_subscription() {
    let server = serve(3600).await;
    let mut response = server.get(&server.sse_url("subscription { forever }")).await;
    read_until(&mut response, ":\n\n").await;
    assert_eq!(server.live.0.load(Ordering::SeqCst), 1);
    drop(response);
    eventually("freeing the subscription", || server.live.0.load(Ordering::SeqCst) == 0).await;
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let server = serve(3600).await;
    let mut response = server.get(&server.sse_url("subscription { forever }")).await;
    read_until(&mut response, ":\n\n").await;
    server.stop.send(true).unwrap();
    // The stream ends (no error: a clean end of the body) and the listener stops.
    let rest = tokio::time::timeout(Duration::from_secs(10), response.text()).await.expect("the stream ends");
    assert_eq!(rest.unwrap(), "");
    tokio::time::timeout(Duration::from_secs(10), server.task).await.expect("the server stops").unwrap();
    assert_eq!(server.live.0.load(Ordering::SeqCst), 0);
}

#[test]
fn frames_are_exact() {
    let response = async_graphql::Response::new(async_graphql::Value::from_json(json!({"a": "x\ny"})).unwrap());
    assert_eq!(super::frame(super::Framing::Numbered, 7, &response), "id: 7\ndata: {\"data\":{\"a\":\"x\\ny\"}}\n\n");
    assert_eq!(
        super::frame(super::Framing::GraphqlSse, 1, &response),
        "event: next\ndata: {\"data\":{\"a\":\"x\\ny\"}}\n\n"
    );
}
