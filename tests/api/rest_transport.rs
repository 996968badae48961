//! The REST API as a whole: bad input (`strapi-rest.md` §2.A, §2.N), routing (§2.I), the
//! configurable prefix, domains by `Host`, rate limits shared with GraphQL (§2.K), audit
//! events, metrics and the docs page.

use reqwest::Method;
use serde_json::{Value, json};

use crate::rest_support::{register, rest, rest_at};
use crate::user_support::{domain, set_settings};
use gatehouse_testkit::{TestApp, spawn_app, spawn_app_with};

async fn user_count(app: &TestApp) -> i64 {
    app.app.core.users().count_users(&domain(app).await).await.unwrap()
}

#[tokio::test]
async fn bad_bodies_get_the_envelope_and_change_nothing() {
    let app = spawn_app_with(|config| config.limits.body_bytes = 4096).await;
    let malformed = rest(&app).raw(Method::POST, "/auth/local/register", "application/json", r#"{"username":"#).await;
    assert_eq!(malformed.status.as_u16(), 400);
    assert_eq!(
        malformed.body,
        json!({ "data": null, "error": { "status": 400, "name": "SyntaxError", "message": "Unexpected end of JSON input" } })
    );
    let garbage = rest(&app).raw(Method::POST, "/auth/local/register", "application/json", "{\"a\": tru}").await;
    assert_eq!(garbage.body["error"]["name"], "SyntaxError");
    let big = json!({ "username": "big", "email": "big@example.com", "password": "x".repeat(5000) });
    let oversized = rest(&app).post("/auth/local/register", big).await;
    assert_eq!(oversized.status.as_u16(), 413);
    assert_eq!(
        oversized.body,
        json!({ "data": null, "error": { "status": 413, "name": "PayloadTooLargeError", "message": "request entity too large" } })
    );
    let form = format!("username=big&email=big%40example.com&password={}", "x".repeat(5000));
    let oversized =
        rest(&app).raw(Method::POST, "/auth/local/register", "application/x-www-form-urlencoded", form).await;
    assert_eq!(oversized.status.as_u16(), 413);
    let non_object = rest(&app).raw(Method::POST, "/auth/forgot-password", "application/json", "[1]").await;
    non_object.error(400, "ValidationError", "this must be a `object` type");
    let invalid_utf8 = rest(&app).raw(Method::POST, "/auth/local", "application/json", vec![b'"', 0xff, b'"']).await;
    assert_eq!(invalid_utf8.body["error"]["name"], "SyntaxError");
    let wrong_types = json!({ "username": ["a"], "email": {}, "password": true });
    let reply = rest(&app).post("/auth/local/register", wrong_types).await;
    let details = reply.error(400, "ValidationError", "3 errors occurred");
    assert_eq!(details["errors"][0]["value"], json!({}), "yup's order: email, username, password");
    assert_eq!(
        details["errors"][1]["message"],
        "username must be a `string` type, but the final value was: `[\"a\"]`."
    );
    assert_eq!(
        details["errors"][2],
        json!({ "path": ["password"], "message": "password must be a `string` type", "name": "ValidationError" })
    );
    assert_eq!(user_count(&app).await, 0, "nothing was created");

    let (jwt, id) = register(&app, "alice").await;
    crate::user_support::grant(&app, "authenticated", &["plugin::users-permissions.user.update"]).await;
    let reply =
        rest(&app).bearer(&jwt).put(&format!("/users/{id}"), json!({ "blocked": "yes", "username": "changed" })).await;
    reply.error(400, "ValidationError", "blocked must be a `boolean` type, but the final value was: `\"yes\"`.");
    let me = rest(&app).basic("alice@localhost", "Passw0rd!").get("/users/me").await;
    assert_eq!(me.ok(200)["username"], "alice", "nothing was changed");
}

#[tokio::test]
async fn routing_answers_as_strapi_does() {
    let app = spawn_app().await;
    let (jwt, _) = register(&app, "alice").await;
    for path in ["/nope", "/users-permissions/nope", "/auth"] {
        rest(&app).get(path).await.plain_error(404, "NotFoundError", "Not Found");
    }
    // A POST-only auth path answers other methods 404, as Strapi does.
    let reply = rest(&app).get("/auth/local").await;
    reply.plain_error(404, "NotFoundError", "Not Found");
    assert!(reply.header("allow").is_none());
    // Another method on a known path: 405 in plain text, with Allow.
    let reply = rest(&app).bearer(&jwt).send(Method::POST, "/users/me", None).await;
    assert_eq!(reply.status.as_u16(), 405);
    assert_eq!(reply.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(reply.body, json!("Method Not Allowed"));
    assert!(reply.header("allow").is_some_and(|allow| allow.contains("GET")), "{:?}", reply.headers);
    // A trailing slash is the same route.
    rest(&app).post("/auth/local/", json!({ "identifier": "alice", "password": "Passw0rd!" })).await.ok(200);
    rest(&app).bearer(&jwt).get("/users/me/").await.ok(200);
    // HEAD of a GET route.
    assert_eq!(rest(&app).bearer(&jwt).send(Method::HEAD, "/users/me", None).await.status.as_u16(), 200);
    // GraphQL is still at its own path beside it.
    let me = app.user().bearer(&jwt).query("{ me { username } }", json!({})).await;
    assert_eq!(me.data()["me"]["username"], "alice");
}

#[tokio::test]
async fn the_prefix_is_configurable() {
    let app = spawn_app_with(|config| config.listen[0].rest_prefix = Some("/rest/v1".into())).await;
    let body = json!({ "username": "alice", "email": "alice@example.com", "password": "Passw0rd!" });
    rest_at(&app, "/rest/v1").post("/auth/local/register", body).await.ok(200);
    assert_eq!(rest(&app).get("/users/me").await.status.as_u16(), 404);
    let docs = app.client.get(format!("{}/docs", app.user_url)).send().await.unwrap().text().await.unwrap();
    assert!(docs.contains("<code>POST /rest/v1/auth/local</code>"), "{docs}");
    assert!(docs.contains("plugin::users-permissions.auth.callback"));
    for (prefix, problem) in
        [("api", "must start with '/'"), ("/api/", "must start with '/'"), ("/graphql", "must differ")]
    {
        let mut config = app.config.clone();
        config.listen[0].rest_prefix = Some(prefix.into());
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains(problem), "{prefix}: {error}");
    }
    let mut config = app.config.clone();
    config.listen[1].rest_prefix = Some("/api".into());
    assert!(config.validate().unwrap_err().to_string().contains("only applies to the user handler"));
}

#[tokio::test]
async fn the_domain_comes_from_the_host_as_on_the_graphql_path() {
    let app = spawn_app().await;
    let (jwt, _) = register(&app, "alice").await;
    let body = json!({ "username": "bob", "email": "bob@example.com", "password": "Passw0rd!" });
    let reply = rest(&app).header("host", "other.test").post("/auth/local/register", body).await;
    let other_jwt = reply.ok(200)["jwt"].as_str().unwrap().to_string();
    let other = app.app.core.domains().domain(&gatehouse_core::DomainName::parse("other.test").unwrap()).await.unwrap();
    assert!(app.app.core.users().user_by_username(&other, "bob").await.unwrap().is_some());
    assert!(app.app.core.users().user_by_username(&domain(&app).await, "bob").await.unwrap().is_none());
    // A token is never accepted in another domain.
    let foreign = rest(&app).header("host", "other.test").bearer(&jwt).get("/users/me").await;
    foreign.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    rest(&app).header("host", "other.test:8080").bearer(&other_jwt).get("/users/me").await.ok(200);
    rest(&app).bearer(&other_jwt).get("/users/me").await.plain_error(
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
    // Basic credentials name their domain.
    assert_eq!(rest(&app).basic("bob@other.test", "Passw0rd!").get("/users/me").await.ok(200)["username"], "bob");
}

#[tokio::test]
async fn rate_limits_are_the_graphql_buckets() {
    let app = spawn_app().await;
    register(&app, "alice").await;
    for _ in 0..10 {
        app.login("alice", "wrong").await;
    }
    let limited = rest(&app).post("/auth/local", json!({ "identifier": "alice", "password": "Passw0rd!" })).await;
    limited.plain_error(429, "RateLimitError", "Too many requests, please try again later.");
    // The bucket is per identifier: another one is not limited, and over GraphQL neither.
    rest(&app).post("/auth/local", json!({ "identifier": "nobody", "password": "x" })).await.plain_error(
        400,
        "ValidationError",
        "Invalid identifier or password",
    );
    for _ in 0..9 {
        rest(&app).post("/auth/forgot-password", json!({ "email": "a1@example.com" })).await.ok(200);
    }
    let graphql = app.user().query("mutation { forgotPassword(email: \"A1@example.com\") { ok } }", json!({})).await;
    graphql.data();
    let limited = rest(&app).post("/auth/forgot-password/", json!({ "email": "A1@example.com" })).await;
    limited.plain_error(429, "RateLimitError", "Too many requests, please try again later.");
    rest(&app).post("/auth/forgot-password", json!({ "email": "a2@example.com" })).await.ok(200);
    // Resent confirmation mails have their own bucket.
    set_settings(&app, |s| s.rate_limit_max = 2).await;
    for _ in 0..2 {
        rest(&app).post("/auth/send-email-confirmation", json!({ "email": "n@example.com" })).await.ok(200);
    }
    let limited = rest(&app).post("/auth/send-email-confirmation", json!({ "email": "n@example.com" })).await;
    limited.plain_error(429, "RateLimitError", "Too many requests, please try again later.");
}

#[tokio::test]
async fn audit_events_and_metrics_are_the_same_as_over_graphql() {
    let app = spawn_app().await;
    let (jwt, _) = register(&app, "alice").await;
    rest(&app).post("/auth/local", json!({ "identifier": "alice", "password": "wrong" })).await;
    rest(&app).post("/auth/local", json!({ "identifier": "alice", "password": "Passw0rd!" })).await.ok(200);
    let body = json!({ "currentPassword": "Passw0rd!", "password": "Newer1!", "passwordConfirmation": "Newer1!" });
    rest(&app).bearer(&jwt).post("/auth/change-password", body).await.ok(200);
    let document = r#"{ audit { listEvents(domain: "localhost") { type user actor } } }"#;
    let answer = app.admin().query(document, json!({})).await;
    let mut events: Vec<Value> = answer.data()["audit"]["listEvents"].as_array().unwrap().clone();
    events.reverse();
    let summary: Vec<(&str, &str)> =
        events.iter().map(|e| (e["type"].as_str().unwrap(), e["actor"].as_str().unwrap())).collect();
    assert_eq!(
        summary,
        [
            ("USER_REGISTERED", "anonymous"),
            ("LOGIN_FAILED", "anonymous"),
            ("LOGIN_SUCCEEDED", "alice@localhost"),
            ("PASSWORD_CHANGED", "alice@localhost"),
        ],
        "{events:?}"
    );
    let metrics =
        app.client.get(format!("{}/metrics", app.admin_url.trim_end_matches("/api/graphql"))).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    for line in [
        "gatehouse_http_requests_total{endpoint=\"user_rest\",outcome=\"ok\"} 3",
        "gatehouse_http_requests_total{endpoint=\"user_rest\",outcome=\"rejected\"} 1",
        "gatehouse_logins_total{outcome=\"succeeded\"} 1",
        "gatehouse_logins_total{outcome=\"failed\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert!(!text.contains("endpoint=\"user\""), "REST requests are not counted as GraphQL ones:\n{text}");
}

#[tokio::test]
async fn the_docs_page_describes_both_apis() {
    let app = spawn_app().await;
    let docs = app.client.get(format!("{}/docs", app.user_url)).send().await.unwrap().text().await.unwrap();
    assert!(docs.contains(r##"<a href="#rest">REST</a> under <code>/api</code>"##), "{docs}");
    for route in [
        "POST /api/auth/local",
        "GET /api/users/me",
        "DELETE /api/users-permissions/roles/:id",
        "GET /api/connect/:provider",
    ] {
        assert!(docs.contains(&format!("<code>{route}</code>")), "{route} missing");
    }
    assert!(docs.contains("usersPermissionsUsers"), "and the GraphQL API");
}

#[tokio::test]
async fn cors_answers_on_the_rest_routes_too() {
    let app = spawn_app().await;
    let origin = "https://app.example.com";
    let preflight = rest(&app)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,authorization")
        .send(Method::OPTIONS, "/auth/local", None)
        .await;
    assert_eq!(preflight.status.as_u16(), 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(origin));
    assert_eq!(preflight.header("access-control-allow-methods"), Some("GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"));
    assert_eq!(preflight.header("access-control-allow-headers"), Some("Content-Type,Authorization,Origin,Accept"));
    let body = json!({ "username": "corsuser", "email": "cors@example.com", "password": "Passw0rd!" });
    let registered = rest(&app).header("origin", origin).post("/auth/local/register", body).await;
    registered.ok(200);
    assert_eq!(registered.header("access-control-allow-origin"), Some(origin));
    // Errors carry them too.
    let refused = rest(&app).header("origin", origin).get("/users/me").await;
    refused.forbidden();
    assert_eq!(refused.header("access-control-allow-origin"), Some(origin));
    assert!(refused.header("vary").is_some_and(|vary| vary.contains("origin") || vary.contains("Origin")));
}
