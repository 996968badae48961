//! Slow, idle and surplus clients cannot hold the server: header, body and inactivity
//! timeouts close them, a connection cap answers 503, and the other listeners keep serving.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use gatehouse_testkit::{TestApp, spawn_app_with};

async fn app_with_short_limits() -> TestApp {
    spawn_app_with(|config| {
        config.limits.header_timeout_seconds = 1;
        config.limits.body_timeout_seconds = 1;
        config.limits.idle_timeout_seconds = 2;
        config.limits.max_connections = 40;
    })
    .await
}

fn address(url: &str) -> String {
    url.trim_start_matches("http://").split('/').next().unwrap().to_string()
}

/// A client that sends one header line and then nothing.
async fn slowloris(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"POST /graphql HTTP/1.1\r\n").await.unwrap();
    stream
}

/// What the server sends before it closes the connection (or `None` if it keeps it open).
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut answer = Vec::new();
    match tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await {
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn idle_and_surplus_connections_do_not_starve_the_server() {
    let app = app_with_short_limits().await;
    let user = address(&app.user_url);
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(slowloris(&user).await);
    }
    // Over the cap: a clear refusal, at once.
    let mut surplus = TcpStream::connect(&user).await.unwrap();
    let refused = read_until_closed(&mut surplus, Duration::from_secs(2)).await.expect("closed at once");
    assert!(refused.starts_with("HTTP/1.1 503") && refused.contains("Too many open connections"), "{refused}");
    // The other listeners are not affected.
    let health = app.client.get(app.admin_url.replace("/api/graphql", "/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    // The header timeout closes every idle client...
    for stream in &mut idle {
        let answer = read_until_closed(stream, Duration::from_secs(5)).await;
        assert!(answer.is_some(), "an idle connection was left open");
    }
    // ...and the user listener serves again.
    let answer =
        app.user().query("{ checkPermission(action: \"plugin::users-permissions.user.me\") }", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_once_idle() {
    let app = app_with_short_limits().await;
    let mut stream = TcpStream::connect(address(&app.user_url)).await.unwrap();
    let body = r#"{"query":"{ checkPermission(action: \"x\") }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    // No next request: the server closes the connection after the header timeout.
    let rest = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(rest.is_some(), "the kept-alive connection stayed open");
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408() {
    let app = app_with_short_limits().await;
    let mut stream = TcpStream::connect(address(&app.user_url)).await.unwrap();
    let head =
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"{\"query\":").await.unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5)).await.expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    let count = app.admin().query("{ account { countUsers(domain: \"localhost\") } }", json!({})).await;
    assert_eq!(count.data()["account"]["countUsers"], 0);
}

#[tokio::test]
async fn three_nodes_started_at_once_on_an_empty_database_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = gatehouse_testkit::test_config(dir.path()).await;
    config.storage.pool_size = 2;
    let start = || gatehouse_server::app::App::start(&config);
    let (a, b, c) = tokio::join!(start(), start(), start());
    let nodes = [a.expect("node 1 starts"), b.expect("node 2 starts"), c.expect("node 3 starts")];
    let client = reqwest::Client::new();
    let user_url =
        |node: &gatehouse_server::app::App| node.listener(gatehouse_server::config::Handler::User).unwrap().url();
    // One JWT secret: a token from the first node is accepted by the others.
    let register = json!({ "query": "mutation { register(input: {username: \"first\", email: \"first@example.com\", password: \"secret123\"}) { jwt } }" });
    let answer: serde_json::Value =
        client.post(user_url(&nodes[0])).json(&register).send().await.unwrap().json().await.unwrap();
    let jwt = answer["data"]["register"]["jwt"].as_str().expect("a jwt").to_string();
    for node in &nodes[1..] {
        let me: serde_json::Value = client
            .post(user_url(node))
            .bearer_auth(&jwt)
            .json(&json!({ "query": "{ me { username } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["data"]["me"]["username"], "first", "{me}");
    }
    // One set of static domains, each with its two roles.
    let domains = nodes[2].core.domains().all_domains().await.unwrap();
    let names: Vec<&str> = domains.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for domain in &domains {
        for kind in ["authenticated", "public"] {
            assert!(
                nodes[1].core.roles().role_by_type(domain, kind).await.unwrap().is_some(),
                "{} {kind}",
                domain.name
            );
        }
    }
    for node in nodes {
        node.stop(Duration::ZERO).await;
    }
}
