//! The SSE transport on a throwaway schema: exact framing, refusals before the stream, the
//! keep-alive, the end of the stream, client disconnects and server shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::Response as GraphqlResponse;
use async_graphql::{Context, EmptyMutation, Object, Schema, Subscription};
use axum::http::StatusCode;
use futures_util::{FutureExt, Stream};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::fanout::{Delivery, Fanout, ShareKey};
use super::{BACKLOG, EventStream, Framing, Phase, Results};
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

    /// The numbers sent on the test's `Ticks` channel (the first `take` of them); an execution
    /// counts as live.
    async fn ticks(&self, ctx: &Context<'_>, take: Option<usize>) -> impl Stream<Item = i32> {
        use futures_util::StreamExt;
        let live = ctx.data_unchecked::<Arc<Live>>().clone();
        live.0.fetch_add(1, Ordering::SeqCst);
        let guard = Guard(live);
        let receiver = ctx.data_unchecked::<Ticks>().0.subscribe();
        futures_util::stream::unfold((receiver, guard), |(mut receiver, guard)| async move {
            let tick = receiver.recv().await.ok()?;
            Some((tick, (receiver, guard)))
        })
        .take(take.unwrap_or(usize::MAX))
    }

    /// Fails before yielding anything.
    async fn broken(&self) -> async_graphql::Result<futures_util::stream::Empty<i32>> {
        Err("no such thing".into())
    }
}

/// What `ticks` subscriptions yield.
#[derive(Clone)]
struct Ticks(tokio::sync::broadcast::Sender<i32>);

type TestSchema = Schema<Query, EmptyMutation, Subscription>;

struct TestEndpoint {
    schema: TestSchema,
}

impl Endpoint for TestEndpoint {
    type Executor = TestSchema;
    /// Whom the credentials name, if any.
    type Caller = Option<String>;
    type AnswerInputs = ();

    fn name(&self) -> &'static str {
        "test"
    }

    fn executor(&self) -> &TestSchema {
        &self.schema
    }

    async fn authenticate(&self, head: &RequestHead) -> Result<Option<String>, Rejection> {
        match head.headers.get("authorization") {
            Some(value) if value != "Basic good" => {
                Err(Rejection::graphql(StatusCode::UNAUTHORIZED, "wrong_credentials", "Wrong credentials"))
            }
            Some(_) => Ok(Some("good".into())),
            None => Ok(None),
        }
    }

    /// Authenticated callers share executions; anonymous ones run their own.
    fn stream_scope(&self, caller: &Option<String>) -> Option<String> {
        caller.clone()
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
    ticks: Ticks,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    client: reqwest::Client,
}

async fn serve(keepalive_seconds: u64) -> Server {
    let live = Arc::new(Live::default());
    let ticks = Ticks(tokio::sync::broadcast::channel(16).0);
    let schema = Schema::build(Query, EmptyMutation, Subscription).data(live.clone()).data(ticks.clone()).finish();
    let mounted = Mounted {
        endpoint: TestEndpoint { schema },
        path: "/gql".into(),
        limits: LimitsConfig::default(),
        sse_keepalive_seconds: keepalive_seconds,
        documents: Default::default(),
        fanout: Default::default(),
        answers: Default::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/gql", listener.local_addr().unwrap());
    let (stop, stopped) = watch::channel(false);
    let connections = LimitsConfig::default().connections(std::time::Duration::from_secs(5));
    let task = spawn(listener, endpoint_routes(mounted), None, connections, stopped);
    Server { url, live, ticks, stop, task, client: reqwest::Client::new() }
}

impl Server {
    fn sse_url(&self, query: &str) -> String {
        format!("{}/sse?{}", self.url, serde_urlencoded::to_string([("query", query)]).unwrap())
    }

    async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).header("accept", "text/event-stream").send().await.unwrap()
    }

    /// An open stream of an authenticated caller (whose executions are shared), past its
    /// opening comment.
    async fn open_shared(&self, query: &str) -> reqwest::Response {
        let mut response = self
            .client
            .get(self.sse_url(query))
            .header("accept", "text/event-stream")
            .header("authorization", "Basic good")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(read_until(&mut response, ":\n\n").await, ":\n\n");
        response
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
    let shared = server.open_shared("subscription { forever }").await;
    server.stop.send(true).unwrap();
    // The streams end (no error: a clean end of the body) and the listener stops.
    for response in [response, shared] {
        let rest = tokio::time::timeout(Duration::from_secs(10), response.text()).await.expect("the stream ends");
        assert_eq!(rest.unwrap(), "");
    }
    tokio::time::timeout(Duration::from_secs(10), server.task).await.expect("the server stops").unwrap();
    assert_eq!(server.live.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn streams_of_one_request_and_scope_share_one_execution_until_the_last_leaves() {
    let server = serve(3600).await;
    let mut first = server.open_shared("subscription { ticks }").await;
    let mut second = server.open_shared("subscription { ticks }").await;
    assert_eq!(server.live.0.load(Ordering::SeqCst), 1, "one execution for both");
    server.ticks.0.send(7).unwrap();
    for stream in [&mut first, &mut second] {
        assert_eq!(read_until(stream, "\n\n").await, "id: 1\ndata: {\"data\":{\"ticks\":7}}\n\n");
    }
    // The execution has sent a result: a new stream starts its own, numbered from 1 too.
    let mut third = server.open_shared("subscription { ticks }").await;
    assert_eq!(server.live.0.load(Ordering::SeqCst), 2);
    drop(first);
    server.ticks.0.send(8).unwrap();
    assert_eq!(read_until(&mut second, "\n\n").await, "id: 2\ndata: {\"data\":{\"ticks\":8}}\n\n");
    assert_eq!(read_until(&mut third, "\n\n").await, "id: 1\ndata: {\"data\":{\"ticks\":8}}\n\n");
    drop(second);
    eventually("ending the execution left by its last stream", || server.live.0.load(Ordering::SeqCst) == 1).await;
    drop(third);
    eventually("ending the last execution", || server.live.0.load(Ordering::SeqCst) == 0).await;
}

#[tokio::test]
async fn streams_without_a_scope_or_of_another_request_run_their_own_execution() {
    let server = serve(3600).await;
    let mut anonymous = Vec::new();
    for _ in 0..2 {
        let mut response = server.get(&server.sse_url("subscription { ticks }")).await;
        read_until(&mut response, ":\n\n").await;
        anonymous.push(response);
    }
    assert_eq!(server.live.0.load(Ordering::SeqCst), 2);
    let _shared = server.open_shared("subscription { ticks }").await;
    let _renamed = server.open_shared("subscription Named { ticks }").await;
    assert_eq!(server.live.0.load(Ordering::SeqCst), 4);
    server.ticks.0.send(1).unwrap();
    for mut response in anonymous {
        assert_eq!(read_until(&mut response, "\n\n").await, "id: 1\ndata: {\"data\":{\"ticks\":1}}\n\n");
    }
}

#[tokio::test]
async fn graphql_sse_streams_share_and_complete_together() {
    let server = serve(3600).await;
    let mut streams = Vec::new();
    for _ in 0..2 {
        let mut response = server
            .client
            .post(format!("{}/sse", server.url))
            .header("accept", "text/event-stream")
            .header("authorization", "Basic good")
            .json(&json!({ "query": "subscription { ticks(take: 2) }" }))
            .send()
            .await
            .unwrap();
        read_until(&mut response, ":\n\n").await;
        streams.push(response);
    }
    assert_eq!(server.live.0.load(Ordering::SeqCst), 1);
    server.ticks.0.send(5).unwrap();
    for response in &mut streams {
        assert_eq!(read_until(response, "\n\n").await, "event: next\ndata: {\"data\":{\"ticks\":5}}\n\n");
    }
    // The execution completes: every stream gets its last result and `complete`, then its end.
    server.ticks.0.send(6).unwrap();
    for response in streams {
        assert_eq!(events(response).await, "event: next\ndata: {\"data\":{\"ticks\":6}}\n\nevent: complete\ndata:\n\n");
    }
}

/// Responses `0, 1, ...` as a shared execution would yield them, fed by the test.
fn fed_execution()
-> (tokio::sync::mpsc::UnboundedSender<i32>, futures_util::stream::BoxStream<'static, GraphqlResponse>) {
    use futures_util::StreamExt;
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<i32>();
    let results = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let n = receiver.recv().await?;
        Some((GraphqlResponse::new(async_graphql::Value::from(n)), receiver))
    });
    (sender, results.boxed())
}

#[tokio::test]
async fn a_stream_that_falls_behind_gets_an_error_then_complete_and_holds_no_one_back() {
    use futures_util::StreamExt;
    let fanout = Fanout::default();
    let key = ShareKey::new("scope".into(), &async_graphql::Request::new("subscription { n }"));
    let (feed, results) = fed_execution();
    let slow = fanout.share(key.clone(), results);
    let mut fast = fanout.join(&key).expect("joinable before its first result");
    let mut slow = EventStream {
        results: Results::Shared(slow),
        framing: Framing::GraphqlSse,
        next_id: 1,
        keepalive: None,
        shutdown: None,
        phase: Phase::Open,
        _open: None,
    };
    // The fast stream reads every result as it comes; the slow one reads nothing.
    for n in 0..=BACKLOG as i32 {
        feed.send(n).unwrap();
        let delivery = std::future::poll_fn(|cx| fast.poll_next(cx)).await;
        assert!(matches!(delivery, Some(Delivery::Json(json)) if json == format!("{{\"data\":{n}}}")));
    }
    assert!(fanout.join(&key).is_none(), "no stream joins after the first result");
    let next = |stream: &mut EventStream| {
        let event = stream.next().now_or_never().expect("ready");
        event.map(|bytes| String::from_utf8(bytes.unwrap().to_vec()).unwrap())
    };
    assert_eq!(
        next(&mut slow).as_deref(),
        Some(
            "event: next\ndata: {\"errors\":[{\"message\":\"This stream fell behind and missed results; subscribe again\"}]}\n\n"
        )
    );
    assert_eq!(next(&mut slow).as_deref(), Some("event: complete\ndata:\n\n"));
    assert_eq!(next(&mut slow), None);
}

#[test]
fn frames_are_exact() {
    let response = async_graphql::Response::new(async_graphql::Value::from_json(json!({"a": "x\ny"})).unwrap());
    let json = super::serialise(&response);
    assert_eq!(super::frame_json(super::Framing::Numbered, 7, &json), "id: 7\ndata: {\"data\":{\"a\":\"x\\ny\"}}\n\n");
    assert_eq!(
        super::frame_json(super::Framing::GraphqlSse, 1, &json),
        "event: next\ndata: {\"data\":{\"a\":\"x\\ny\"}}\n\n"
    );
}
