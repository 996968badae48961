//! Event streams of the same subscription and the same caller scope share one execution:
//! every stream still gets every event, in its own numbering, a stream leaving ends no other,
//! and callers of different scopes (domain admins of different domains) never share.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::enable_domain_admin;
use gatehouse_testkit::{TestApp, spawn_app};

const GLOBAL: &str = "subscription { audit { subscribeForEvents(domain: \"localhost\") { type user } } }";
const BY_DOMAIN: &str =
    "subscription($d: DomainName) { audit { subscribeForEvents(domain: $d) { type domain user } } }";

/// An open `GET <url>/sse` stream, read one event at a time.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(request: reqwest::RequestBuilder) -> Self {
        let response = request.header("accept", "text/event-stream").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let mut stream = Self { response, buffer: String::new() };
        // The opening comment: the subscription is live once it arrived.
        assert_eq!(stream.next_frame().await, ":\n\n");
        stream
    }

    async fn next_frame(&mut self) -> String {
        while !self.buffer.contains("\n\n") {
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("the stream goes on")
                .unwrap()
                .expect("the stream is not over");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        let end = self.buffer.find("\n\n").unwrap() + 2;
        self.buffer.drain(..end).collect()
    }

    /// The next event with data, keep-alive comments skipped: its id and its event.
    async fn next_event(&mut self) -> (u64, Value) {
        loop {
            let frame = self.next_frame().await;
            if frame.starts_with(':') {
                continue;
            }
            let (id, data) = frame
                .strip_prefix("id: ")
                .and_then(|rest| rest.strip_suffix("\n\n"))
                .and_then(|rest| rest.split_once("\ndata: "))
                .unwrap_or_else(|| panic!("not an `id:`+`data:` event: {frame:?}"));
            let data: Value = serde_json::from_str(data).unwrap();
            return (id.parse().unwrap(), data["data"]["audit"]["subscribeForEvents"].clone());
        }
    }

    /// True when nothing but keep-alive comments arrives for a while.
    async fn stays_quiet(&mut self) -> bool {
        tokio::time::timeout(Duration::from_millis(700), self.next_event()).await.is_err()
    }
}

fn sse_request(app: &TestApp, url: &str, query: &str, variables: Value) -> reqwest::RequestBuilder {
    let params = [("query", query.to_string()), ("variables", variables.to_string())];
    app.client.get(format!("{url}/sse?{}", serde_urlencoded::to_string(params).unwrap()))
}

async fn register_in(app: &TestApp, domain: &str, username: &str) {
    let register = "mutation($u: String!, $e: String!) { register(input: {username: $u, email: $e, password: \"secret123\"}) { jwt } }";
    let variables = json!({ "u": username, "e": format!("{username}@example.com") });
    app.user().host(domain).query(register, variables).await.data();
}

#[tokio::test]
async fn streams_of_the_same_document_all_get_each_event_and_outlive_each_other() {
    let app = spawn_app().await;
    let mut first = Stream::open(sse_request(&app, &app.admin_url, GLOBAL, json!({}))).await;
    let mut second = Stream::open(sse_request(&app, &app.admin_url, GLOBAL, json!({}))).await;

    app.register("ann", "secret123").await;
    for stream in [&mut first, &mut second] {
        let (id, event) = stream.next_event().await;
        assert_eq!(id, 1);
        assert_eq!(event, json!({ "type": "USER_REGISTERED", "user": "ann@localhost" }));
    }

    // One leaves; the other goes on, and a stream opened now numbers its events from 1.
    drop(first);
    let mut third = Stream::open(sse_request(&app, &app.admin_url, GLOBAL, json!({}))).await;
    app.register("bob", "secret123").await;
    let bob = json!({ "type": "USER_REGISTERED", "user": "bob@localhost" });
    assert_eq!(second.next_event().await, (2, bob.clone()));
    assert_eq!(third.next_event().await, (1, bob.clone()));

    drop(second);
    app.register("cid", "secret123").await;
    assert_eq!(third.next_event().await, (2, json!({ "type": "USER_REGISTERED", "user": "cid@localhost" })));
}

#[tokio::test]
async fn domain_admins_of_different_domains_never_share_a_stream() {
    let app = spawn_app().await;
    enable_domain_admin(&app, "localhost", "local-secret").await;
    enable_domain_admin(&app, "other.test", "other-secret").await;
    let as_local = |request: reqwest::RequestBuilder| request.basic_auth("admin@localhost", Some("local-secret"));
    let as_other = |request: reqwest::RequestBuilder| request.basic_auth("admin@other.test", Some("other-secret"));
    let url = &app.domain_admin_url;

    // The same document, each with its own domain.
    let mut local = Stream::open(as_local(sse_request(&app, url, BY_DOMAIN, json!({ "d": "localhost" })))).await;
    let mut other = Stream::open(as_other(sse_request(&app, url, BY_DOMAIN, json!({ "d": "other.test" })))).await;
    // Two admins of the same domain share, and both get its events.
    let mut local_too = Stream::open(as_local(sse_request(&app, url, BY_DOMAIN, json!({ "d": "localhost" })))).await;
    // The same document and variables as an open stream of another domain's admin: refused,
    // not joined.
    let response = as_other(sse_request(&app, url, BY_DOMAIN, json!({ "d": "localhost" })))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "no_permissions", "{body}");

    register_in(&app, "other.test", "olga").await;
    register_in(&app, "localhost", "lena").await;
    let lena = json!({ "type": "USER_REGISTERED", "domain": "localhost", "user": "lena@localhost" });
    let olga = json!({ "type": "USER_REGISTERED", "domain": "other.test", "user": "olga@other.test" });
    assert_eq!(local.next_event().await, (1, lena.clone()));
    assert_eq!(local_too.next_event().await, (1, lena));
    assert_eq!(other.next_event().await, (1, olga));
    assert!(other.stays_quiet().await, "another domain's event reached admin@other.test");

    // Its sharer gone, a domain admin's stream goes on.
    drop(local);
    register_in(&app, "localhost", "lars").await;
    let lars = json!({ "type": "USER_REGISTERED", "domain": "localhost", "user": "lars@localhost" });
    assert_eq!(local_too.next_event().await, (2, lars));
    assert!(other.stays_quiet().await, "another domain's event reached admin@other.test");
}
