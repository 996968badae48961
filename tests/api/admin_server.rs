//! `server`, `audit`, and the operations routes of the admin listener.

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use gatehouse_api::admin::caller::AdminCaller;
use gatehouse_api::admin::protection::Clearance;
use gatehouse_server::app::App;
use gatehouse_server::config::Handler;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{domain_admin, enable_domain_admin};
use gatehouse_testkit::{TestApp, spawn_app};

#[tokio::test]
async fn status_tells_the_version_and_the_storage() {
    let app = spawn_app().await;
    let answer = app
        .admin()
        .query("{ server { status { statusCode message version uptimeSeconds storage } } }", json!({}))
        .await;
    let status = &answer.data()["server"]["status"];
    assert_eq!(status["statusCode"], "RUNNING");
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    let backend = if app.config.storage.url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
    assert_eq!(status["storage"], backend);
}

#[tokio::test]
async fn set_loglevel_changes_the_log_filter_at_once() {
    // A subscriber for the process, quiet until the API changes it.
    gatehouse_server::telemetry::init("off");
    let app = spawn_app().await;
    let set = "mutation($l: LogLevel!) { server { setLoglevel(level: $l) } }";
    for level in ["DEBUG", "WARNING", "ALL", "ERROR", "INFO", "NONE"] {
        let answer = app.admin().query(set, json!({ "l": level })).await;
        assert_eq!(answer.data()["server"]["setLoglevel"], "Log level successfully set.");
        let answer = app.admin().query("{ server { getLoglevel } }", json!({})).await;
        assert_eq!(answer.data()["server"]["getLoglevel"], level);
        let debug_on = tracing::enabled!(tracing::Level::DEBUG);
        let warn_on = tracing::enabled!(tracing::Level::WARN);
        match level {
            "DEBUG" | "ALL" => assert!(debug_on, "{level}"),
            "WARNING" => assert!(warn_on && !debug_on, "{level}"),
            "NONE" => assert!(!warn_on, "{level}"),
            _ => assert!(!debug_on, "{level}"),
        }
    }
    let answer = app.admin().query(set, json!({ "l": "LOUD" })).await;
    assert!(answer.body.get("data").is_none(), "{}", answer.body);
}

#[tokio::test]
async fn the_admin_listener_serves_health_readiness_and_metrics() {
    let app = spawn_app().await;
    let base = app.admin_url.trim_end_matches("/api/graphql").to_string();
    let get = |path: &str| app.client.get(format!("{base}{path}")).send();
    assert_eq!(get("/health").await.unwrap().status(), StatusCode::OK);
    let ready = get("/ready").await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready\n");

    app.register("mia", "secret123").await;
    app.login("mia", "secret123").await.data();
    app.login("mia", "wrong-password").await;
    app.user().query("{ nope }", json!({})).await;
    let response = get("/metrics").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    for line in [
        "gatehouse_logins_total{outcome=\"succeeded\"} 1",
        "gatehouse_logins_total{outcome=\"failed\"} 1",
        "gatehouse_http_requests_total{endpoint=\"user\",outcome=\"ok\"} 2",
        // The wrong password (an error in a 200) and the unknown field.
        "gatehouse_http_requests_total{endpoint=\"user\",outcome=\"graphql_error\"} 2",
        "gatehouse_emails_total{outcome=\"sent\"} 0",
        "gatehouse_sse_streams_open 0",
        "# TYPE gatehouse_http_request_duration_seconds histogram",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert!(text.contains("gatehouse_http_request_duration_seconds_count{endpoint=\"user\"} 4"), "{text}");

    // Only on the admin listener.
    for url in [&app.user_url, &app.domain_admin_url] {
        let other = url.rsplit_once('/').unwrap().0.trim_end_matches("/api").to_string();
        let response = app.client.get(format!("{other}/metrics")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{url}");
    }
}

async fn events(app: &TestApp, arguments: &str) -> Vec<Value> {
    let document = format!("{{ audit {{ listEvents{arguments} {{ id type domain user actor details }} }} }}");
    let answer = app.admin().query(&document, json!({})).await;
    answer.data()["audit"]["listEvents"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_audit_log_lists_what_both_apis_did() {
    let app = spawn_app().await;
    app.register("kim", "secret123").await;
    app.login("kim", "secret123").await.data();
    app.admin().query("mutation { domain { addDomain(domain: \"audit.test\") { domain } } }", json!({})).await.data();
    let all = events(&app, "").await;
    let kinds: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["DOMAIN_ADDED", "LOGIN_SUCCEEDED", "USER_REGISTERED"], "newest first");
    assert_eq!(all[0]["actor"], "global_admin");
    assert_eq!(all[0]["domain"], "audit.test");
    assert_eq!(all[2]["user"], "kim@localhost");
    assert_eq!(all[2]["actor"], "anonymous");
    assert!(!all.iter().any(|e| e.to_string().contains("secret123")), "never a password");

    assert_eq!(events(&app, "(types: [USER_REGISTERED, DOMAIN_ADDED])").await.len(), 2);
    assert_eq!(events(&app, "(domain: \"LOCALHOST\")").await.len(), 2);
    let first = events(&app, "(limit: 1)").await;
    assert_eq!(first[0]["type"], "DOMAIN_ADDED");
    let older = events(&app, &format!("(limit: 1, before: {})", first[0]["id"])).await;
    assert_eq!(older[0]["type"], "LOGIN_SUCCEEDED");

    // A domain admin sees its own domain only.
    enable_domain_admin(&app, "localhost", "domain-secret").await;
    let own = "{ audit { listEvents(domain: \"localhost\") { type } } }";
    let answer = domain_admin(&app, "localhost", "domain-secret").query(own, json!({})).await;
    let kinds: Vec<&str> =
        answer.data()["audit"]["listEvents"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["DOMAIN_PASSWORD_SET", "LOGIN_SUCCEEDED", "USER_REGISTERED"]);
    let answer = domain_admin(&app, "localhost", "domain-secret")
        .query("{ audit { listEvents(domain: \"audit.test\") { type } } }", json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

/// The `subscribeForEvents` stream of `app`'s admin schema, as the global admin.
fn subscribe(app: &App, arguments: &str) -> futures_util::stream::BoxStream<'static, async_graphql::Response> {
    let schema = gatehouse_api::admin::build_schema(Some(app.core.clone()), &Default::default());
    let document = format!("subscription {{ audit {{ subscribeForEvents{arguments} {{ type domain user actor }} }} }}");
    let request = async_graphql::Request::new(document).data(AdminCaller(Clearance::GlobalAdmin));
    let mut stream = schema.execute_stream(request).boxed();
    // Streams start when first polled (as an SSE response does at once): subscribe now.
    assert!(stream.next().now_or_never().is_none(), "no event yet");
    stream
}

async fn next(stream: &mut futures_util::stream::BoxStream<'static, async_graphql::Response>) -> Option<Value> {
    // A guard against hanging, not a speed requirement.
    let response = tokio::time::timeout(Duration::from_secs(20), stream.next()).await.expect("an event in time")?;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    Some(response.data.into_json().unwrap()["audit"]["subscribeForEvents"].clone())
}

#[tokio::test]
async fn subscribers_get_the_events_of_their_filter_and_the_stream_ends_after_the_limit() {
    let app = spawn_app().await;
    let mut stream = subscribe(&app.app, "(domain: \"localhost\", types: [USER_REGISTERED, LOGIN_FAILED], limit: 2)");
    let mut everything = subscribe(&app.app, "");
    app.admin().query("mutation { domain { addDomain(domain: \"live.test\") { domain } } }", json!({})).await.data();
    app.register("lee", "secret123").await;
    app.login("lee", "wrong-password").await;
    app.login("lee", "secret123").await;
    assert_eq!(next(&mut stream).await.unwrap()["type"], "USER_REGISTERED");
    let failed = next(&mut stream).await.unwrap();
    assert_eq!(
        failed,
        json!({ "type": "LOGIN_FAILED", "domain": "localhost", "user": "lee@localhost", "actor": "anonymous" })
    );
    assert_eq!(next(&mut stream).await, None, "the stream ends after its limit");
    for kind in ["DOMAIN_ADDED", "USER_REGISTERED", "LOGIN_FAILED", "LOGIN_SUCCEEDED"] {
        assert_eq!(next(&mut everything).await.unwrap()["type"], kind);
    }
}

#[tokio::test]
async fn a_subscriber_on_one_node_sees_the_events_of_another() {
    let app = spawn_app().await;
    if app.config.storage.url.starts_with("sqlite:") {
        eprintln!("skipped: nodes share events through PostgreSQL; SQLite serves a single node");
        return;
    }
    let second = App::start(&app.config).await.expect("a second node on the same database");
    let second_admin = second.listener(Handler::Admin).unwrap().url();
    let mut stream = subscribe(&app.app, "(types: [DOMAIN_ADDED])");
    // One event caused here, one on the other node: each arrives once.
    for (url, domain) in [(&app.admin_url, "here.test"), (&second_admin, "there.test")] {
        let body =
            json!({ "query": format!("mutation {{ domain {{ addDomain(domain: \"{domain}\") {{ domain }} }} }}") });
        let response = app.client.post(url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(next(&mut stream).await.unwrap()["domain"], "here.test");
    assert_eq!(next(&mut stream).await.unwrap()["domain"], "there.test");
    let body = json!({ "query": "mutation { domain { addDomain(domain: \"third.test\") { domain } } }" });
    app.client.post(&app.admin_url).json(&body).send().await.unwrap();
    assert_eq!(next(&mut stream).await.unwrap()["domain"], "third.test", "no event twice");
    // And the other way round.
    let mut there = subscribe(&second, "(types: [DOMAIN_REMOVED])");
    let body = json!({ "query": "mutation { domain { removeDomain(domain: \"here.test\") { domain } } }" });
    app.client.post(&app.admin_url).json(&body).send().await.unwrap();
    assert_eq!(next(&mut there).await.unwrap()["domain"], "here.test");
    second.stop(std::time::Duration::ZERO).await;
}

#[tokio::test]
async fn a_lone_node_announces_its_events_only_once_another_node_listens() {
    let app = spawn_app().await;
    if app.config.storage.url.starts_with("sqlite:") {
        eprintln!("skipped: announcements are PostgreSQL's; SQLite serves a single node");
        return;
    }
    // A listener of our own on the channel, as a database administrator would open; it is not
    // a node, so the lone node still finds nobody to announce to.
    let mut outside = sqlx::postgres::PgListener::connect(&app.config.storage.url).await.unwrap();
    outside.listen("gatehouse_events").await.unwrap();
    let add_domain = |name: &str| {
        let body =
            json!({ "query": format!("mutation {{ domain {{ addDomain(domain: \"{name}\") {{ domain }} }} }}") });
        app.client.post(&app.admin_url).json(&body).send()
    };
    // Past the node's first look for other nodes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(add_domain("alone.test").await.unwrap().status(), StatusCode::OK);
    let heard = tokio::time::timeout(Duration::from_millis(500), outside.recv()).await;
    assert!(heard.is_err(), "a lone node announced an event: {:?}", heard.map(|n| n.map(|n| n.payload().to_string())));
    let second = App::start(&app.config).await.expect("a second node on the same database");
    let hello = tokio::time::timeout(Duration::from_secs(5), outside.recv()).await.unwrap().unwrap();
    assert!(hello.payload().starts_with("gatehouse-relay "), "{}", hello.payload());
    // The first node heard the hello too: its next event is announced.
    let mut announced = None;
    for attempt in 0..20 {
        assert_eq!(add_domain(&format!("together{attempt}.test")).await.unwrap().status(), StatusCode::OK);
        if let Ok(heard) = tokio::time::timeout(Duration::from_millis(100), outside.recv()).await {
            announced = Some(heard.unwrap().payload().to_string());
            break;
        }
    }
    let announced = announced.expect("no event announced with two nodes listening");
    assert!(!announced.starts_with("gatehouse-relay "), "{announced}");
    second.stop(Duration::ZERO).await;
}

#[tokio::test]
async fn a_token_revoked_on_one_node_is_refused_on_another() {
    let app = spawn_app().await;
    if app.config.storage.url.starts_with("sqlite:") {
        eprintln!("skipped: several nodes need PostgreSQL; SQLite serves a single node");
        return;
    }
    let second = App::start(&app.config).await.expect("a second node on the same database");
    let second_user = second.listener(Handler::User).unwrap().url();
    let jwt = app.register("nina", "secret123").await;
    let me = |jwt: String| {
        let (client, url) = (app.client.clone(), second_user.clone());
        async move {
            let body = json!({ "query": "{ me { username } }" });
            client.post(url).bearer_auth(jwt).json(&body).send().await.unwrap().status()
        }
    };
    // The second node has the account in hand (it just served it) when the first revokes it.
    assert_eq!(me(jwt.clone()).await, StatusCode::OK);
    let revoke = json!({ "query": "mutation { token { revokeToken(user: \"nina@localhost\") } }" });
    let answer: serde_json::Value =
        app.client.post(&app.admin_url).json(&revoke).send().await.unwrap().json().await.unwrap();
    assert!(answer.get("errors").is_none(), "{answer}");
    let mut refused = false;
    for _ in 0..40 {
        if me(jwt.clone()).await == StatusCode::UNAUTHORIZED {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused, "the other node still accepts the revoked token after 2 s");
    second.stop(std::time::Duration::ZERO).await;
}

#[tokio::test]
async fn events_recorded_while_a_node_lost_its_listening_connection_still_reach_it() {
    let app = spawn_app().await;
    if app.config.storage.url.starts_with("sqlite:") {
        eprintln!("skipped: nodes share events through PostgreSQL; SQLite serves a single node");
        return;
    }
    let second = App::start(&app.config).await.expect("a second node on the same database");
    let mut stream = subscribe(&second, "(types: [DOMAIN_ADDED])");
    // Cut every LISTEN connection (as a database restart or a network blip would), then record
    // events on the first node at once, while the second is still reconnecting.
    use sqlx::Connection;
    let mut admin = sqlx::AnyConnection::connect(&app.config.storage.url).await.unwrap();
    let cut =
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()";
    sqlx::query(cut).execute(&mut admin).await.unwrap();
    let names: Vec<String> = (0..5).map(|i| format!("gap{i}.test")).collect();
    for name in &names {
        let body =
            json!({ "query": format!("mutation {{ domain {{ addDomain(domain: \"{name}\") {{ domain }} }} }}") });
        let answer: serde_json::Value =
            app.client.post(&app.admin_url).json(&body).send().await.unwrap().json().await.unwrap();
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    for name in &names {
        assert_eq!(next(&mut stream).await.unwrap()["domain"], name.as_str(), "each event once, in order");
    }
    second.stop(std::time::Duration::ZERO).await;
}
