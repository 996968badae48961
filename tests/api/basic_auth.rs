//! One Basic parser, each API's own answer to what it reads: the user API takes only readable
//! credentials for a Basic login (an empty or unreadable header is no login at all), the admin
//! API answers any unreadable Basic header with MongooseIM's 401 `request_error`.

use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use gatehouse_testkit::{TestApp, spawn_app_with};

async fn app_with_admin_credentials() -> TestApp {
    spawn_app_with(|config| {
        let admin = config.listen.iter_mut().find(|l| l.handler == gatehouse_server::config::Handler::Admin).unwrap();
        admin.username = Some("root".into());
        admin.password = Some("rootpass".into());
    })
    .await
}

async fn post(app: &TestApp, url: &str, authorization: &[u8], query: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(url)
        .header("authorization", HeaderValue::from_bytes(authorization).unwrap())
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

fn encoded(credentials: &[u8]) -> Vec<u8> {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials)).into_bytes()
}

#[tokio::test]
async fn an_empty_or_unreadable_basic_header_is_no_login_on_the_user_api_and_a_401_on_the_admin_api() {
    let app = app_with_admin_credentials().await;
    for header in [&b"Basic"[..], b"basic   ", b"Basic \xe9t\xe9"] {
        let (status, body) = post(&app, &app.user_url, header, "{ me { username } }").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["errors"][0]["message"], "Forbidden access", "anonymous: {body}");
        for url in [&app.admin_url, &app.domain_admin_url] {
            let (status, body) = post(&app, url, header, "{ checkAuth { authStatus } }").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            assert_eq!(body["errors"][0]["extensions"]["code"], "request_error");
        }
    }
}

#[tokio::test]
async fn malformed_credentials_are_refused_by_both_apis() {
    let app = app_with_admin_credentials().await;
    let malformed = [b"Basic !!!".to_vec(), encoded(b"no colon"), encoded(b"al\xffce@localhost:secret")];
    for header in &malformed {
        let (status, body) = post(&app, &app.user_url, header, "{ me { username } }").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["message"], "Missing or invalid credentials");
        for url in [&app.admin_url, &app.domain_admin_url] {
            let (status, body) = post(&app, url, header, "{ checkAuth { authStatus } }").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            assert_eq!(body["errors"][0]["extensions"]["code"], "request_error");
        }
    }
    // A user-id without a domain is well-formed Basic, but no user API login.
    let (status, body) = post(&app, &app.user_url, &encoded(b"alice:secret"), "{ me { username } }").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "Missing or invalid credentials");
    let (status, body) = post(&app, &app.admin_url, &encoded(b"alice:secret"), "{ checkAuth { authStatus } }").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["extensions"]["code"], "wrong_credentials");
}

#[tokio::test]
async fn a_user_name_containing_at_signs_and_a_password_containing_colons_sign_in() {
    let app = app_with_admin_credentials().await;
    let register = "mutation { register(input: {username: \"ann@work\", email: \"ann@example.com\", password: \"se:cr:et1\"}) { jwt } }";
    app.user().query(register, json!({})).await.data();
    let (status, body) =
        post(&app, &app.user_url, &encoded(b"ann@work@LOCALHOST:se:cr:et1"), "{ me { username } }").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["me"]["username"], "ann@work");
}
