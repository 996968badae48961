//! Strapi 5's refresh mode on the REST routes (`strapi-rest.md` §3): sessions started by
//! login and register, rotation with reuse detection, the httpOnly cookie, logout's rules,
//! the session listing, and access tokens refused as soon as their session ends.

use std::time::Duration;

use serde_json::{Value, json};

use crate::rest_support::{Reply, Rest, assert_user, keys, rest};
use gatehouse_testkit::{TestApp, spawn_app};

pub const REFRESH_MODE: &str = "mutation($s: DomainSettingsInput!) { domain { updateDomainSettings(domain: \"localhost\", settings: $s) { jwtManagement accessTokenLifespan refreshHttpOnly } } }";

/// The app with `localhost` in refresh mode, set through the admin API, with `changes` on top.
pub async fn refresh_app(changes: Value) -> TestApp {
    let app = spawn_app().await;
    set(&app, changes).await;
    app
}

pub async fn set(app: &TestApp, changes: Value) {
    let mut settings = json!({ "jwtManagement": "REFRESH" });
    settings.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
    let answer = app.admin().query(REFRESH_MODE, json!({ "s": settings })).await;
    assert_eq!(answer.data()["domain"]["updateDomainSettings"]["jwtManagement"], "REFRESH");
}

/// Registers `username` (password `Passw0rd!`); returns the access and refresh tokens.
pub async fn register(app: &TestApp, username: &str) -> (String, String) {
    let body = json!({ "username": username, "email": format!("{username}@example.com"), "password": "Passw0rd!" });
    tokens(&rest(app).post("/auth/local/register", body).await)
}

/// Logs `username` in, with `device` as its deviceId when given.
pub async fn login(app: &TestApp, username: &str, device: Option<&str>) -> (String, String) {
    let mut body = json!({ "identifier": username, "password": "Passw0rd!" });
    if let Some(device) = device {
        body["deviceId"] = json!(device);
    }
    tokens(&rest(app).post("/auth/local", body).await)
}

fn tokens(reply: &Reply) -> (String, String) {
    let body = reply.ok(200);
    assert_eq!(keys(body), ["jwt", "refreshToken", "user"], "{body}");
    (body["jwt"].as_str().unwrap().to_string(), body["refreshToken"].as_str().unwrap().to_string())
}

async fn refresh(app: &TestApp, token: &str) -> Reply {
    rest(app).post("/auth/refresh", json!({ "refreshToken": token })).await
}

async fn me(app: &TestApp, jwt: &str) -> Reply {
    rest(app).bearer(jwt).get("/users/me").await
}

fn bearer(app: &TestApp, jwt: &str) -> Rest {
    rest(app).bearer(jwt)
}

/// The claims of a JWT, unchecked.
pub fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn event_types(app: &TestApp, types: &str) -> Vec<Value> {
    let query =
        format!("{{ audit {{ listEvents(domain: \"localhost\", types: [{types}]) {{ type user details }} }} }}");
    app.admin().query(&query, json!({})).await.data()["audit"]["listEvents"].as_array().unwrap().clone()
}

#[tokio::test]
async fn login_and_register_start_sessions_with_short_access_tokens_and_opaque_refresh_tokens() {
    let app = refresh_app(json!({})).await;
    let (jwt, refresh_token) = register(&app, "rita").await;
    assert!(refresh_token.len() == 64 && refresh_token.bytes().all(|b| b.is_ascii_hexdigit()), "{refresh_token}");
    let claims = claims(&jwt);
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);
    assert_eq!(claims["sid"].as_str().map(str::len), Some(32), "{claims}");
    assert_user(me(&app, &jwt).await.ok(200), "rita");
    let reply = rest(&app)
        .post("/auth/local", json!({ "identifier": "rita", "password": "Passw0rd!", "deviceId": "laptop-1" }))
        .await;
    let body = reply.ok(200);
    assert_eq!(keys(body), ["jwt", "refreshToken", "user"]);
    assert_user(&body["user"], "rita");
    // Register refuses a deviceId as any other unknown key.
    let with_device =
        json!({ "username": "rita2", "email": "rita2@example.com", "password": "Passw0rd!", "deviceId": "d" });
    rest(&app).post("/auth/local/register", with_device).await.error(
        400,
        "ValidationError",
        "Invalid parameters: deviceId",
    );
    let started = event_types(&app, "SESSION_STARTED").await;
    assert_eq!(started.len(), 2, "{started:?}");
    assert_eq!(started[0]["details"]["deviceId"], "laptop-1");
    assert_eq!(started[0]["user"], "rita@localhost");
}

#[tokio::test]
async fn a_refresh_rotates_and_a_reused_token_ends_the_whole_session() {
    let app = refresh_app(json!({})).await;
    let (jwt, first) = register(&app, "rita").await;
    let reply = refresh(&app, &first).await;
    let body = reply.ok(200);
    assert_eq!(keys(body), ["jwt", "refreshToken"]);
    let (jwt2, second) =
        (body["jwt"].as_str().unwrap().to_string(), body["refreshToken"].as_str().unwrap().to_string());
    assert_ne!(second, first);
    assert_eq!(claims(&jwt2)["sid"], claims(&jwt)["sid"], "the session lives on through its rotations");
    me(&app, &jwt).await.ok(200);
    me(&app, &jwt2).await.ok(200);
    // The first token again: someone holds a copy. Refused, and the session ends at once.
    refresh(&app, &first).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    refresh(&app, &second).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    for token in [&jwt, &jwt2] {
        me(&app, token).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    }
    let reused = event_types(&app, "REFRESH_TOKEN_REUSED").await;
    assert_eq!(reused.len(), 1);
    assert_eq!(reused[0]["user"], "rita@localhost");
    let ended = event_types(&app, "SESSION_ENDED").await;
    assert_eq!(ended[0]["details"]["reason"], "refresh_token_reused");
}

#[tokio::test]
async fn a_retried_refresh_is_taken_within_the_grace_window() {
    let app = refresh_app(json!({ "refreshReuseGraceSeconds": 30 })).await;
    let (_, first) = register(&app, "rita").await;
    let second = refresh(&app, &first).await.ok(200)["refreshToken"].as_str().unwrap().to_string();
    let retried = refresh(&app, &first).await.ok(200)["refreshToken"].as_str().unwrap().to_string();
    // Both answers stay usable: the client keeps whichever it received.
    refresh(&app, &second).await.ok(200);
    refresh(&app, &retried).await.ok(200);
}

/// Many refreshes at once (SQLite takes them in one write): each gets its own answer, and a
/// token sent twice at once is treated as two refreshes in a row.
#[tokio::test]
async fn refreshes_sent_at_once_each_get_their_own_answer() {
    use futures_util::future::join_all;
    let app = refresh_app(json!({})).await;
    let mut tokens = Vec::new();
    for i in 0..12 {
        tokens.push(register(&app, &format!("rita{i}")).await.1);
    }
    for _ in 0..2 {
        let replies = join_all(tokens.iter().map(|token| refresh(&app, token))).await;
        tokens = replies.iter().map(|reply| reply.ok(200)["refreshToken"].as_str().unwrap().to_string()).collect();
    }
    let mut unique = tokens.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), tokens.len(), "every session got a token of its own");
    // Without a grace window, the second of two identical refreshes is a reuse: it ends the
    // session, and the first one's new token with it; the other sessions live on.
    let twice = join_all([refresh(&app, &tokens[0]), refresh(&app, &tokens[0]), refresh(&app, &tokens[1])]).await;
    let mut statuses: Vec<u16> = twice[..2].iter().map(|reply| reply.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 401], "{:?}", twice.iter().map(|reply| &reply.body).collect::<Vec<_>>());
    let first = twice[..2].iter().find(|reply| reply.status == 200).unwrap();
    refresh(&app, first.ok(200)["refreshToken"].as_str().unwrap()).await.plain_error(
        401,
        "UnauthorizedError",
        "Invalid refresh token",
    );
    refresh(&app, twice[2].ok(200)["refreshToken"].as_str().unwrap()).await.ok(200);
    // Within a grace window, every retry is answered.
    set(&app, json!({ "refreshReuseGraceSeconds": 30 })).await;
    let retries = join_all((0..8).map(|_| refresh(&app, &tokens[2]))).await;
    for reply in &retries {
        refresh(&app, reply.ok(200)["refreshToken"].as_str().unwrap()).await.ok(200);
    }
}

#[tokio::test]
async fn bad_refresh_requests_get_strapis_answers_and_change_nothing() {
    let app = refresh_app(json!({})).await;
    let (jwt, token) = register(&app, "rita").await;
    let missing = ("BadRequestError", "Missing refresh token");
    rest(&app).post("/auth/refresh", json!({})).await.plain_error(400, missing.0, missing.1);
    rest(&app).send(reqwest::Method::POST, "/auth/refresh", None).await.plain_error(400, missing.0, missing.1);
    rest(&app).post("/auth/refresh", json!({ "refreshToken": 123 })).await.plain_error(400, missing.0, missing.1);
    refresh(&app, "garbage").await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    refresh(&app, &jwt).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    // Only the Public role holds auth.refresh; a refresh token is not a bearer token.
    bearer(&app, &jwt).post("/auth/refresh", json!({ "refreshToken": token })).await.forbidden();
    me(&app, &token).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    refresh(&app, &token).await.ok(200);
}

#[tokio::test]
async fn in_cookie_mode_the_refresh_token_travels_in_an_httponly_cookie() {
    let app = refresh_app(json!({})).await;
    register(&app, "hana").await;
    let login = json!({ "identifier": "hana", "password": "Passw0rd!" });
    // Per request, with Strapi's header.
    let reply = rest(&app).header("x-strapi-refresh-cookie", "httpOnly").post("/auth/local", login.clone()).await;
    assert_eq!(keys(reply.ok(200)), ["jwt", "user"]);
    let cookie = reply.header("set-cookie").unwrap().to_string();
    let token = cookie.strip_prefix("strapi_up_refresh=").unwrap().split(';').next().unwrap().to_string();
    assert_eq!(cookie, format!("strapi_up_refresh={token}; path=/; samesite=lax; httponly"));
    // For the domain: a Secure cookie with a Max-Age; register still answers in the body.
    set(&app, json!({ "refreshHttpOnly": true, "refreshCookieSecure": true, "refreshCookieMaxAge": 3600 })).await;
    register(&app, "ivan").await;
    let reply = rest(&app)
        .header("cookie", &format!("other=1; strapi_up_refresh={token}"))
        .post("/auth/refresh", json!({ "refreshToken": "garbage" }))
        .await;
    assert_eq!(keys(reply.ok(200)), ["jwt"], "the cookie wins over the body");
    let cookie = reply.header("set-cookie").unwrap();
    let rotated = cookie.strip_prefix("strapi_up_refresh=").unwrap().split(';').next().unwrap().to_string();
    assert_eq!(cookie, format!("strapi_up_refresh={rotated}; path=/; max-age=3600; samesite=lax; secure; httponly"));
    let jwt = reply.body["jwt"].as_str().unwrap().to_string();
    let reply = bearer(&app, &jwt)
        .header("cookie", &format!("strapi_up_refresh={rotated}"))
        .post("/auth/logout", json!({}))
        .await;
    assert_eq!(reply.ok(200), &json!({ "ok": true }));
    assert_eq!(
        reply.header("set-cookie"),
        Some("strapi_up_refresh=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; secure; httponly")
    );
    rest(&app)
        .header("cookie", &format!("strapi_up_refresh={rotated}"))
        .post("/auth/refresh", json!({}))
        .await
        .plain_error(401, "UnauthorizedError", "Invalid refresh token");
}

#[tokio::test]
async fn sessions_are_listed_current_first_and_ended_one_by_one() {
    let app = refresh_app(json!({})).await;
    let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
    let body = json!({ "username": "rita", "email": "rita@example.com", "password": "Passw0rd!" });
    tokens(&rest(&app).header("user-agent", chrome).post("/auth/local/register", body).await);
    let (laptop, _) = login(&app, "rita", Some("laptop-1")).await;
    let (other, _) = login(&app, "rita", None).await;
    let (stranger, _) = register(&app, "sam").await;
    let listed = bearer(&app, &laptop).get("/auth/sessions").await;
    let data = listed.ok(200)["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 3);
    assert_eq!(keys(&data[0]), ["id", "deviceId", "current", "loginAt", "lastActiveAt"]);
    assert_eq!((&data[0]["deviceId"], &data[0]["current"]), (&json!("laptop-1"), &json!(true)));
    assert_eq!(data[1]["current"], false);
    let registered = &data[2];
    assert_eq!(keys(registered), ["id", "deviceId", "deviceName", "current", "loginAt", "lastActiveAt"]);
    assert_eq!(registered["deviceName"], "Chrome on Linux");
    assert_eq!(registered["deviceId"].as_str().map(str::len), Some(36), "a random UUID, as Strapi gives");
    // Ending the `other` session refuses its access token at once.
    let other_id = claims(&other)["sid"].as_str().unwrap().to_string();
    assert_eq!(
        bearer(&app, &laptop).delete(&format!("/auth/sessions/{other_id}")).await.ok(200),
        &json!({ "data": {} })
    );
    me(&app, &other).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    let not_found = ("NotFoundError", "Session not found");
    bearer(&app, &laptop).delete(&format!("/auth/sessions/{other_id}")).await.plain_error(
        404,
        not_found.0,
        not_found.1,
    );
    bearer(&app, &laptop).delete("/auth/sessions/abc").await.plain_error(404, not_found.0, not_found.1);
    let laptop_id = claims(&laptop)["sid"].as_str().unwrap().to_string();
    bearer(&app, &stranger).delete(&format!("/auth/sessions/{laptop_id}")).await.plain_error(
        404,
        not_found.0,
        not_found.1,
    );
    me(&app, &laptop).await.ok(200);
    rest(&app).get("/auth/sessions").await.forbidden();
    assert_eq!(bearer(&app, &laptop).get("/auth/sessions").await.ok(200)["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn logout_follows_strapis_order_of_rules() {
    let app = refresh_app(json!({})).await;
    let (current, _) = register(&app, "sam").await;
    let (_, d1) = login(&app, "sam", Some("d1")).await;
    let (_, d2a) = login(&app, "sam", Some("d2")).await;
    let (_, d2b) = login(&app, "sam", Some("d2")).await;
    let (plain, plain_refresh) = login(&app, "sam", None).await;
    let count = |jwt: String| {
        let app = &app;
        async move { bearer(app, &jwt).get("/auth/sessions").await.ok(200)["data"].as_array().unwrap().len() }
    };
    assert_eq!(count(current.clone()).await, 5);
    // No body: the bearer token's session.
    assert_eq!(bearer(&app, &plain).post("/auth/logout", json!({})).await.ok(200), &json!({ "ok": true }));
    refresh(&app, &plain_refresh).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    assert_eq!(count(current.clone()).await, 4);
    // A device: each of its sessions.
    bearer(&app, &current).post("/auth/logout", json!({ "deviceId": "d2" })).await.ok(200);
    for token in [&d2a, &d2b] {
        refresh(&app, token).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    }
    // A refresh token: its session, not the bearer token's.
    bearer(&app, &current).post("/auth/logout", json!({ "refreshToken": d1 })).await.ok(200);
    refresh(&app, &d1).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    me(&app, &current).await.ok(200);
    login(&app, "sam", None).await;
    // Every session.
    bearer(&app, &current).post("/auth/logout", json!({ "scope": "all" })).await.ok(200);
    me(&app, &current).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    rest(&app).post("/auth/logout", json!({})).await.forbidden();
    let ended = event_types(&app, "SESSION_ENDED").await;
    assert_eq!(ended.len(), 6, "{ended:?}");
    assert!(ended.iter().all(|e| e["details"]["reason"] == "logout" && e["user"] == "sam@localhost"), "{ended:?}");
}

#[tokio::test]
async fn a_password_change_ends_every_session_and_starts_a_new_one() {
    let app = refresh_app(json!({})).await;
    let (jwt, refresh_token) = register(&app, "rita").await;
    let (other, _) = login(&app, "rita", Some("phone")).await;
    let change =
        json!({ "currentPassword": "Passw0rd!", "password": "Passw0rd!2", "passwordConfirmation": "Passw0rd!2" });
    let reply = bearer(&app, &jwt).post("/auth/change-password", change).await;
    let (new_jwt, new_refresh) = tokens(&reply);
    refresh(&app, &refresh_token).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    me(&app, &other).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    me(&app, &new_jwt).await.ok(200);
    refresh(&app, &new_refresh).await.ok(200);
    let listed = bearer(&app, &new_jwt).get("/auth/sessions").await;
    assert_eq!(listed.ok(200)["data"].as_array().unwrap().len(), 1);
    let ended = event_types(&app, "SESSION_ENDED").await;
    assert!(ended.len() == 2 && ended.iter().all(|e| e["details"]["reason"] == "password_changed"), "{ended:?}");
}

#[tokio::test]
async fn expired_sessions_are_refused_and_swept() {
    let app = refresh_app(json!({ "accessTokenLifespan": 1 })).await;
    set(&app, json!({ "idleRefreshTokenLifespan": 1 })).await;
    let (jwt, token) = register(&app, "rita").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    me(&app, &jwt).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    refresh(&app, &token).await.plain_error(401, "UnauthorizedError", "Invalid refresh token");
    assert_eq!(app.app.core.sessions().sweep_sessions().await.unwrap(), 1);
    assert_eq!(app.app.core.sessions().sweep_sessions().await.unwrap(), 0);
}

#[tokio::test]
async fn legacy_domains_keep_one_long_token_and_no_sessions() {
    let app = spawn_app().await;
    let (jwt, _) = crate::rest_support::register(&app, "rita").await;
    assert!(claims(&jwt).get("sid").is_none());
    let body = json!({ "identifier": "rita", "password": "Passw0rd!" });
    assert_eq!(keys(rest(&app).post("/auth/local", body).await.ok(200)), ["jwt", "user"]);
    bearer(&app, &jwt).get("/auth/sessions").await.plain_error(404, "NotFoundError", "Not Found");
    bearer(&app, &jwt).post("/auth/logout", json!({})).await.plain_error(404, "NotFoundError", "Not Found");
}

#[tokio::test]
async fn a_session_ended_on_one_node_is_refused_on_the_other() {
    let app = refresh_app(json!({})).await;
    if app.config.storage.url.starts_with("sqlite:") {
        eprintln!("skipped: nodes share a database through PostgreSQL; SQLite serves a single node");
        return;
    }
    let second = gatehouse_server::app::App::start(&app.config).await.expect("a second node on the same database");
    let second_api =
        format!("http://{}/api", second.listener(gatehouse_server::config::Handler::User).unwrap().address);
    let (jwt, _) = register(&app, "rita").await;
    let me_on_second = || {
        let client = reqwest::Client::new();
        let (url, jwt) = (format!("{second_api}/users/me"), jwt.clone());
        async move { client.get(url).bearer_auth(jwt).send().await.unwrap().status().as_u16() }
    };
    // Read on the second node, so that its cache holds the session as live.
    assert_eq!(me_on_second().await, 200);
    let reply = bearer(&app, &jwt).post("/auth/logout", json!({})).await;
    assert_eq!(reply.ok(200), &json!({ "ok": true }));
    let ended = std::time::Instant::now();
    while me_on_second().await != 401 {
        assert!(ended.elapsed() < Duration::from_secs(3), "still accepted on the second node");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    second.stop(Duration::ZERO).await;
}

/// Runs an admin mutation, panicking on errors.
async fn admin(app: &TestApp, mutation: &str) {
    app.admin().query(mutation, json!({})).await.data();
}

#[tokio::test]
async fn blocking_deleting_and_new_passwords_end_the_users_sessions() {
    let app = refresh_app(json!({})).await;
    let mut sessions = Vec::new();
    for name in ["banned", "blocked", "reset", "removed", "revoked"] {
        sessions.push((name, register(&app, name).await));
    }
    admin(&app, "mutation { account { banUser(user: \"banned@localhost\", reason: \"spam\") { message } } }").await;
    admin(&app, "mutation { account { changeUserPassword(user: \"reset@localhost\", newPassword: \"Other-pass1\") { message } } }").await;
    admin(&app, "mutation { account { removeUser(user: \"removed@localhost\") { message } } }").await;
    admin(&app, "mutation { token { revokeToken(user: \"revoked@localhost\") } }").await;
    let domain = crate::user_support::domain(&app).await;
    let blocked = app.app.core.users().user_by_username(&domain, "blocked").await.unwrap().unwrap();
    let patch = gatehouse_core::UserPatch { blocked: Some(true), ..Default::default() };
    app.app
        .core
        .users()
        .update_user(&domain, blocked.id, patch, gatehouse_core::events::Actor::GlobalAdmin)
        .await
        .unwrap();
    for (name, (jwt, refresh_token)) in &sessions {
        assert_eq!(refresh(&app, refresh_token).await.status, 401, "{name}");
        assert_eq!(me(&app, jwt).await.status, 401, "{name}");
    }
    let ended = event_types(&app, "SESSION_ENDED").await;
    let mut reasons: Vec<&str> = ended.iter().map(|e| e["details"]["reason"].as_str().unwrap()).collect();
    reasons.sort();
    assert_eq!(reasons, ["password_changed", "tokens_revoked", "user_blocked", "user_blocked", "user_deleted"]);
}

#[tokio::test]
async fn disabling_or_removing_a_domain_ends_its_sessions() {
    let app = spawn_app().await;
    let on = |host: &'static str| rest(&app).header("host", host);
    for host in ["shop.example", "gone.example"] {
        admin(&app, &format!("mutation {{ domain {{ addDomain(domain: \"{host}\") {{ status }} }} }}")).await;
        let settings = format!(
            "mutation {{ domain {{ updateDomainSettings(domain: \"{host}\", settings: {{jwtManagement: REFRESH}}) {{ jwtManagement }} }} }}"
        );
        admin(&app, &settings).await;
    }
    let body = json!({ "username": "ann", "email": "ann@example.com", "password": "Passw0rd!" });
    let (_, shop_token) = tokens(&on("shop.example").post("/auth/local/register", body.clone()).await);
    let (gone_jwt, gone_token) = tokens(&on("gone.example").post("/auth/local/register", body).await);
    admin(&app, "mutation { domain { disableDomain(domain: \"shop.example\") { status } } }").await;
    admin(&app, "mutation { domain { enableDomain(domain: \"shop.example\") { status } } }").await;
    on("shop.example").post("/auth/refresh", json!({ "refreshToken": shop_token })).await.plain_error(
        401,
        "UnauthorizedError",
        "Invalid refresh token",
    );
    admin(&app, "mutation { domain { removeDomain(domain: \"gone.example\") { status } } }").await;
    assert_eq!(on("gone.example").bearer(&gone_jwt).get("/users/me").await.status, 401);
    assert_eq!(
        on("gone.example").post("/auth/refresh", json!({ "refreshToken": gone_token })).await.status.as_u16() / 100,
        4
    );
    let query = "{ audit { listEvents(types: [SESSION_ENDED]) { domain details } } }";
    let ended = app.admin().query(query, json!({})).await.data()["audit"]["listEvents"].clone();
    assert_eq!(
        ended,
        json!([
            { "domain": "gone.example", "details": { "reason": "domain_removed", "sessions": 1 } },
            { "domain": "shop.example", "details": { "reason": "domain_disabled", "sessions": 1 } },
        ])
    );
}

#[tokio::test]
async fn admins_list_count_and_kick_sessions_the_mongooseim_way() {
    let app = refresh_app(json!({})).await;
    let (first, _) = register(&app, "rita").await;
    let (second, _) = login(&app, "rita", Some("phone")).await;
    let (other, _) = register(&app, "sam").await;
    let query = |q: &str| {
        let (app, q) = (&app, q.to_string());
        async move { app.admin().query(&q, json!({})).await }
    };
    let answer = query("{ session { countSessions(domain: \"localhost\") listUserSessions(user: \"rita@localhost\") { user deviceId node } } stat { domainStats(domain: \"localhost\") { onlineUsers sessions } globalStats { onlineUsers } } }").await;
    let data = answer.data();
    assert_eq!(data["session"]["countSessions"], 3);
    let listed = data["session"]["listUserSessions"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let phone_sid = claims(&second)["sid"].as_str().unwrap().to_string();
    assert_eq!(listed[0]["user"], format!("rita@localhost/{phone_sid}"));
    assert_eq!(listed[0]["deviceId"], "phone");
    assert_eq!(data["stat"]["domainStats"], json!({ "onlineUsers": 2, "sessions": 3 }));
    assert_eq!(data["stat"]["globalStats"]["onlineUsers"], 2);
    let kick = format!(
        "mutation {{ session {{ kickUserSession(user: \"rita@localhost/{phone_sid}\", reason: \"lost phone\") {{ user kicked message }} }} }}"
    );
    let answer = query(&kick).await;
    assert_eq!(answer.data()["session"]["kickUserSession"]["message"], "Session kicked");
    me(&app, &second).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    me(&app, &first).await.ok(200);
    let again = query(&kick).await;
    assert_eq!((again.error_code(), again.error_message()), ("no_session", "No active session"));
    let answer = query("mutation { session { kickUser(user: \"rita@localhost\") { kicked message } } }").await;
    assert_eq!(answer.data()["session"]["kickUser"], json!([{ "kicked": true, "message": "Session kicked" }]));
    me(&app, &first).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    let answer = query("mutation { session { kickDomainSessions(domain: \"localhost\") } }").await;
    assert_eq!(answer.data()["session"]["kickDomainSessions"], 1);
    me(&app, &other).await.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    let ended = event_types(&app, "SESSION_ENDED").await;
    assert_eq!(ended[2]["details"], json!({ "reason": "kicked", "message": "lost phone", "session": phone_sid }));
}

#[tokio::test]
async fn a_static_domain_takes_its_session_settings_from_the_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    let toml = "[[domains]]\nname = \"localhost\"\n\n[domains.sessions]\njwt_management = \"REFRESH\"\naccess_token_lifespan = 120\nhttp_only = true\ncookie_same_site = \"STRICT\"\n";
    std::fs::write(&file, toml).unwrap();
    let loaded = gatehouse_server::config::Config::load(Some(&file)).expect("the file is read");
    let app = gatehouse_testkit::spawn_app_with(|config| config.domains[0] = loaded.domains[0].clone()).await;
    let (jwt, _) = register(&app, "rita").await;
    let claims = claims(&jwt);
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 120);
    let reply = rest(&app).post("/auth/local", json!({ "identifier": "rita", "password": "Passw0rd!" })).await;
    assert_eq!(keys(reply.ok(200)), ["jwt", "user"]);
    assert!(reply.header("set-cookie").unwrap().ends_with("; path=/; samesite=strict; httponly"));

    std::fs::write(&file, format!("{toml}cookie_path = \"nowhere\"\n")).unwrap();
    let refused = gatehouse_server::config::Config::load(Some(&file)).unwrap_err().to_string();
    assert!(refused.contains("domains[0].sessions: refreshCookiePath must start with /"), "{refused}");
}
