//! The test harness: `spawn_app()` and a client that speaks GraphQL over HTTP.

use std::sync::LazyLock;

use gatehouse_server::app::App;
use gatehouse_server::config::{Config, Handler, Listener, StaticDomain};
use reqwest::StatusCode;
use serde_json::{Value, json};

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        gatehouse_server::telemetry::init("info,gatehouse=debug");
    }
});

pub struct TestApp {
    pub app: App,
    pub client: reqwest::Client,
    pub user_url: String,
    pub admin_url: String,
    pub domain_admin_url: String,
    pub outbox: std::path::PathBuf,
    pub config: Config,
    _dir: tempfile::TempDir,
}

/// A configuration with every handler on a free loopback port.
pub async fn test_config(dir: &std::path::Path) -> Config {
    let listener = |handler| Listener::new(handler, "127.0.0.1:0".parse().unwrap());
    let mut config = Config::default();
    config.storage.url = gatehouse_store_sql::testing::fresh_database_url(dir).await;
    config.storage.pool_size = 4;
    config.smtp.outbox = dir.join("outbox");
    config.server.hash_threads = 2;
    config.domains = vec![StaticDomain::named("localhost"), StaticDomain::named("other.test")];
    config.listen = vec![listener(Handler::User), listener(Handler::Admin), listener(Handler::DomainAdmin)];
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts Gatehouse with the test configuration, changed by `customize`.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    LazyLock::force(&TRACING);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path()).await;
    customize(&mut config);
    let app = App::start(&config).await.expect("Gatehouse starts");
    let url = |handler| app.listener(handler).map(|l| l.url()).unwrap_or_default();
    TestApp {
        user_url: url(Handler::User),
        admin_url: url(Handler::Admin),
        domain_admin_url: url(Handler::DomainAdmin),
        client: reqwest::Client::new(),
        outbox: config.smtp.outbox.clone(),
        config,
        app,
        _dir: dir,
    }
}

/// A GraphQL answer: the HTTP status and the JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    /// The first error's message, or "" when there is none.
    pub fn error_message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or("")
    }
    pub fn error_code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
    }
    /// Panics with the body unless the answer is data without errors.
    pub fn data(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        assert!(self.body.get("errors").is_none(), "unexpected errors: {}", self.body);
        &self.body["data"]
    }
}

/// A request to one endpoint, with optional headers.
pub struct Call<'a> {
    app: &'a TestApp,
    url: String,
    headers: Vec<(String, String)>,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    pub fn basic(self, user: &str, password: &str) -> Self {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.header("authorization", &format!("Basic {encoded}"))
    }
    pub fn host(self, host: &str) -> Self {
        self.header("host", host)
    }

    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        self.headers.iter().fold(builder, |b, (k, v)| b.header(k, v))
    }

    /// POSTs `query` with `variables` as JSON.
    pub async fn query(&self, query: &str, variables: Value) -> Answer {
        let body = json!({ "query": query, "variables": variables });
        self.send(self.app.client.post(&self.url).json(&body)).await
    }

    /// POSTs a raw body with a content type.
    pub async fn raw(&self, content_type: &str, body: impl Into<reqwest::Body>) -> Answer {
        self.send(self.app.client.post(&self.url).header("content-type", content_type).body(body)).await
    }

    /// GETs with the given query-string parameters.
    pub async fn get(&self, params: &[(&str, &str)]) -> Answer {
        let query = serde_urlencoded::to_string(params).unwrap();
        self.send(self.app.client.get(format!("{}?{query}", self.url))).await
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Answer {
        let response = self.request(builder).send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, body }
    }
}

impl TestApp {
    pub fn user(&self) -> Call<'_> {
        Call { app: self, url: self.user_url.clone(), headers: Vec::new() }
    }
    pub fn admin(&self) -> Call<'_> {
        Call { app: self, url: self.admin_url.clone(), headers: Vec::new() }
    }
    pub fn domain_admin(&self) -> Call<'_> {
        Call { app: self, url: self.domain_admin_url.clone(), headers: Vec::new() }
    }

    /// Registers `username` with `<username>@example.com` and returns the JWT.
    pub async fn register(&self, username: &str, password: &str) -> String {
        let answer = self
            .user()
            .query(
                "mutation($u: String!, $e: String!, $p: String!) { register(input: {username: $u, email: $e, password: $p}) { jwt } }",
                json!({ "u": username, "e": format!("{username}@example.com"), "p": password }),
            )
            .await;
        answer.data()["register"]["jwt"].as_str().expect("jwt").to_string()
    }

    pub async fn login(&self, identifier: &str, password: &str) -> Answer {
        self.user()
            .query(
                "mutation($i: String!, $p: String!) { login(input: {identifier: $i, password: $p}) { jwt user { id username email role { type } } } }",
                json!({ "i": identifier, "p": password }),
            )
            .await
    }
}
