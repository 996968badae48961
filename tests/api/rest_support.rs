//! Test support for the REST suites: a client for `<user listener>/api`, Strapi's answers to
//! compare with (`strapi-rest.md`), and set-up helpers.

use std::sync::LazyLock;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use gatehouse_server::config::Handler;
use gatehouse_testkit::TestApp;

pub const P: &str = "plugin::users-permissions.";

/// The keys of a user in Strapi's answers, in its order.
pub const USER_KEYS: [&str; 10] = [
    "id",
    "documentId",
    "username",
    "email",
    "provider",
    "confirmed",
    "blocked",
    "createdAt",
    "updatedAt",
    "publishedAt",
];
/// The keys of a role in Strapi's answers, in its order.
pub const ROLE_KEYS: [&str; 8] =
    ["id", "documentId", "name", "description", "type", "createdAt", "updatedAt", "publishedAt"];

/// An answer: status, headers, and the body as JSON (a string when it is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Panics unless the answer is `status` with a JSON body.
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/json; charset=utf-8"));
        &self.body
    }

    /// Panics unless the answer is Strapi's error envelope with this status, name and message;
    /// returns its `details`.
    pub fn error(&self, status: u16, name: &str, message: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/json; charset=utf-8"));
        assert_eq!(self.body["data"], Value::Null, "{}", self.body);
        let error = &self.body["error"];
        assert_eq!(error["status"], status, "{}", self.body);
        assert_eq!(error["name"], name, "{}", self.body);
        assert_eq!(error["message"], message, "{}", self.body);
        &error["details"]
    }

    /// Strapi's `{"data":null,"error":{...,"details":{}}}`, exactly.
    pub fn plain_error(&self, status: u16, name: &str, message: &str) {
        assert_eq!(self.error(status, name, message), &json!({}), "{}", self.body);
    }

    pub fn forbidden(&self) {
        self.plain_error(403, "ForbiddenError", "Forbidden");
    }
}

/// The keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().map(String::as_str).collect()
}

/// Panics unless `user` is a user as Strapi shows one, without a role.
pub fn assert_user(user: &Value, username: &str) {
    assert_eq!(keys(user), USER_KEYS, "{user}");
    assert_eq!(user["username"], username);
    assert_eq!(user["provider"], "local");
    assert!(user["id"].is_i64() && user["documentId"].as_str().is_some_and(|d| d.len() == 24), "{user}");
    for key in ["createdAt", "updatedAt", "publishedAt"] {
        let at = user[key].as_str().unwrap();
        assert!(at.len() == 24 && at.ends_with('Z') && at.as_bytes()[19] == b'.', "{key}: {at}");
    }
}

/// A client that shows redirects instead of following them.
static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client")
});

/// A request to the REST API of the app's user listener.
pub struct Rest {
    base: String,
    headers: Vec<(String, String)>,
}

pub fn rest(app: &TestApp) -> Rest {
    rest_at(app, "/api")
}

/// The REST API under another prefix.
pub fn rest_at(app: &TestApp, prefix: &str) -> Rest {
    let address = app.app.listener(Handler::User).expect("a user listener").address;
    Rest { base: format!("http://{address}{prefix}"), headers: Vec::new() }
}

impl Rest {
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    // Each request is built at once, so that its future borrows nothing.
    pub fn get(&self, path: &str) -> impl Future<Output = Reply> + use<> {
        self.send(Method::GET, path, None)
    }

    pub fn delete(&self, path: &str) -> impl Future<Output = Reply> + use<> {
        self.send(Method::DELETE, path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> impl Future<Output = Reply> + use<> {
        self.send(Method::POST, path, Some(("application/json", body.to_string().into_bytes())))
    }

    pub fn put(&self, path: &str, body: Value) -> impl Future<Output = Reply> + use<> {
        self.send(Method::PUT, path, Some(("application/json", body.to_string().into_bytes())))
    }

    /// A body sent as it is, with its content type.
    pub fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> impl Future<Output = Reply> {
        self.send(method, path, Some((content_type, body.into())))
    }

    pub fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> impl Future<Output = Reply> + use<> {
        let mut request = CLIENT.request(method, self.url(path));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        async move {
            let response = request.send().await.expect("request sent");
            let (status, headers) = (response.status(), response.headers().clone());
            let text = response.text().await.expect("body read");
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            Reply { status, headers, body }
        }
    }
}

/// Registers `username` (`<username>@example.com`, password `Passw0rd!`) over REST; returns
/// its JWT and numeric id.
pub async fn register(app: &TestApp, username: &str) -> (String, i64) {
    let body = json!({ "username": username, "email": format!("{username}@example.com"), "password": "Passw0rd!" });
    let reply = rest(app).post("/auth/local/register", body).await;
    let answer = reply.ok(200);
    (answer["jwt"].as_str().expect("a jwt").to_string(), answer["user"]["id"].as_i64().unwrap())
}

/// Every action of the plugin's users and roles routes, for a caller that may manage them.
pub fn manager_actions() -> Vec<String> {
    [
        "user.find",
        "user.findOne",
        "user.count",
        "user.create",
        "user.update",
        "user.destroy",
        "role.find",
        "role.findOne",
        "role.createRole",
        "role.updateRole",
        "role.deleteRole",
        "permissions.getPermissions",
    ]
    .iter()
    .map(|a| format!("{P}{a}"))
    .collect()
}

/// A registered user whose role (Authenticated) may manage users and roles, as Strapi's
/// transcripts set it up; returns its JWT.
pub async fn manager(app: &TestApp, username: &str) -> String {
    let actions = manager_actions();
    crate::user_support::grant(app, "authenticated", &actions.iter().map(String::as_str).collect::<Vec<_>>()).await;
    register(app, username).await.0
}
