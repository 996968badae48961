//! REST `/api/auth/...`: registration and login as Strapi 5.54 answers them
//! (`strapi-rest.md` §2.A, §2.B), the refresh-token routes of legacy mode (§2.H) and the
//! OAuth routes (§2.G).

use serde_json::{Value, json};

use crate::rest_support::{P, assert_user, register, rest};
use crate::user_support::{grant, seed_user, set_settings};
use gatehouse_testkit::spawn_app;

#[tokio::test]
async fn register_answers_a_jwt_and_the_user() {
    let app = spawn_app().await;
    let body = json!({ "username": "alice", "email": "Alice@Example.com", "password": "Passw0rd!" });
    let reply = rest(&app).post("/auth/local/register", body).await;
    let answer = reply.ok(200);
    assert_eq!(crate::rest_support::keys(answer), ["jwt", "user"]);
    assert_user(&answer["user"], "alice");
    assert_eq!(answer["user"]["email"], "alice@example.com", "the email is lower-cased");
    assert_eq!(answer["user"]["confirmed"], true);
    assert_eq!(answer["user"]["blocked"], false);
    // The JWT is the user API's: GraphQL takes it too.
    let jwt = answer["jwt"].as_str().unwrap();
    let me = app.user().bearer(jwt).query("{ me { username } }", json!({})).await;
    assert_eq!(me.data()["me"]["username"], "alice");
    // A 5-character email is accepted (Strapi does not enforce its model's minimum).
    let short = json!({ "username": "shorty", "email": "a@b.c", "password": "Passw0rd!" });
    assert_eq!(rest(&app).post("/auth/local/register", short).await.ok(200)["user"]["email"], "a@b.c");
    // A form body works the same.
    let form = "username=formuser&email=formuser%40example.com&password=Passw0rd!";
    let reply =
        rest(&app).raw(reqwest::Method::POST, "/auth/local/register", "application/x-www-form-urlencoded", form).await;
    assert_user(&reply.ok(200)["user"], "formuser");
}

#[tokio::test]
async fn register_refusals() {
    let app = spawn_app().await;
    register(&app, "alice").await;
    let attempt = |body: Value| {
        let app = &app;
        async move { rest(app).post("/auth/local/register", body).await }
    };
    let invalid = attempt(json!({ "username": "bob", "email": "not-an-email", "password": "Passw0rd!" })).await;
    invalid.error(400, "ValidationError", "email must be a valid email");
    let details = invalid.error(400, "ValidationError", "email must be a valid email");
    let problem = |path: &str, message: &str, value: Option<&str>| {
        let mut problem = json!({ "path": [path], "message": message, "name": "ValidationError" });
        if let Some(value) = value {
            problem["value"] = json!(value);
        }
        problem
    };
    assert_eq!(details, &json!({ "errors": [problem("email", "email must be a valid email", Some("not-an-email"))] }));
    let short = attempt(json!({ "username": "bob", "email": "bob@example.com", "password": "12345" })).await;
    let details = short.error(400, "ValidationError", "password must be at least 6 characters");
    // Strapi repeats the password as `value`; Gatehouse never does.
    assert_eq!(details, &json!({ "errors": [problem("password", "password must be at least 6 characters", None)] }));
    let short = attempt(json!({ "username": "bo", "email": "bob@example.com", "password": "Passw0rd!" })).await;
    let details = short.error(400, "ValidationError", "username must be at least 3 characters");
    assert_eq!(
        details,
        &json!({ "errors": [problem("username", "username must be at least 3 characters", Some("bo"))] })
    );
    let extra =
        json!({ "username": "bob", "email": "bob@example.com", "password": "Passw0rd!", "role": 1, "confirmed": true });
    attempt(extra).await.plain_error(400, "ValidationError", "Invalid parameters: role, confirmed");
    for (username, email) in
        [("alice", "other@example.com"), ("alice2", "ALICE@example.com"), ("alice@example.com", "x1@example.com")]
    {
        let taken = attempt(json!({ "username": username, "email": email, "password": "Passw0rd!" })).await;
        taken.plain_error(400, "ApplicationError", "Email or Username are already taken");
    }
    let wrong_type = attempt(json!({ "username": "bob", "email": "bob@example.com", "password": 12345678 })).await;
    let details = wrong_type.error(400, "ValidationError", "password must be a `string` type");
    assert_eq!(
        details,
        &json!({ "errors": [{ "path": ["password"], "message": "password must be a `string` type", "name": "ValidationError" }] })
    );
    let wrong_type = attempt(json!({ "username": 42, "email": "bob@example.com", "password": "Passw0rd!" })).await;
    let message = "username must be a `string` type, but the final value was: `42`.";
    let details = wrong_type.error(400, "ValidationError", message);
    assert_eq!(
        details["errors"][0],
        json!({ "path": ["username"], "message": message, "name": "ValidationError", "value": 42 })
    );
    let empty = attempt(json!({})).await;
    let details = empty.error(400, "ValidationError", "3 errors occurred");
    let required = |field: &str| problem(field, &format!("{field} is a required field"), None);
    assert_eq!(details, &json!({ "errors": [required("email"), required("username"), required("password")] }));
    let given_empty = attempt(json!({ "username": "", "email": "", "password": "" })).await;
    let details = given_empty.error(400, "ValidationError", "3 errors occurred");
    assert_eq!(details["errors"][0], problem("email", "email is a required field", Some("")), "a value when sent");
    // Nothing of that was created.
    assert_eq!(app.app.core.users().count_users(&crate::user_support::domain(&app).await).await.unwrap(), 1);

    set_settings(&app, |s| s.allow_register = false).await;
    let closed = attempt(json!({ "username": "carol", "email": "carol@example.com", "password": "Passw0rd!" })).await;
    closed.plain_error(400, "ApplicationError", "Register action is currently disabled");
}

#[tokio::test]
async fn register_with_a_byte_limit_and_allowed_fields() {
    let app = spawn_app().await;
    // Gatehouse's default limit is 1024 bytes; a domain can keep Strapi's bcrypt limit.
    let long = json!({ "username": "long", "email": "long@example.com", "password": "a".repeat(73) });
    rest(&app).post("/auth/local/register", long).await.ok(200);
    set_settings(&app, |s| s.password_max_bytes = 72).await;
    let accents = json!({ "username": "bob", "email": "bob@example.com", "password": "é".repeat(37) });
    let reply = rest(&app).post("/auth/local/register", accents).await;
    reply.error(400, "ValidationError", "Password must be less than 73 bytes");
    set_settings(&app, |s| s.register_allowed_fields = vec!["confirmed".into(), "nickname".into()]).await;
    let allowed = json!({ "username": "carol", "email": "c@example.com", "password": "Passw0rd!", "nickname": "c", "confirmed": true });
    rest(&app).post("/auth/local/register", allowed).await.ok(200);
}

#[tokio::test]
async fn login_as_strapi_answers_it() {
    let app = spawn_app().await;
    register(&app, "alice").await;
    let login = |identifier: &str, password: &str| {
        let body = json!({ "identifier": identifier, "password": password });
        let app = &app;
        async move { rest(app).post("/auth/local", body).await }
    };
    for identifier in ["alice@example.com", "ALICE@EXAMPLE.COM", "alice"] {
        let reply = login(identifier, "Passw0rd!").await;
        let answer = reply.ok(200);
        assert_eq!(crate::rest_support::keys(answer), ["jwt", "user"]);
        assert_user(&answer["user"], "alice");
    }
    for (identifier, password) in [
        ("ALICE", "Passw0rd!"),
        ("alice@example.com", "wrong"),
        ("nobody@example.com", "Passw0rd!"),
        (" alice", "Passw0rd!"),
    ] {
        login(identifier, password).await.plain_error(400, "ValidationError", "Invalid identifier or password");
    }
    let required = |field: &str| json!({ "path": [field], "message": format!("{field} is a required field"), "name": "ValidationError" });
    let empty = rest(&app).post("/auth/local", json!({})).await;
    let details = empty.error(400, "ValidationError", "2 errors occurred");
    assert_eq!(details, &json!({ "errors": [required("identifier"), required("password")] }));
    let missing = rest(&app).post("/auth/local", json!({ "identifier": "alice" })).await;
    let details = missing.error(400, "ValidationError", "password is a required field");
    assert_eq!(details, &json!({ "errors": [required("password")] }));
    // Strapi shows `"value": ""` here; a password's value is never shown.
    let empty = login("alice", "").await;
    assert_eq!(
        empty.error(400, "ValidationError", "password is a required field"),
        &json!({ "errors": [required("password")] })
    );
    // Other keys are ignored.
    let extra = json!({ "identifier": "alice", "password": "Passw0rd!", "extra": 1 });
    rest(&app).post("/auth/local", extra).await.ok(200);
    // Authentication runs first, even here.
    let garbage = rest(&app)
        .bearer("not-a-jwt")
        .post("/auth/local", json!({ "identifier": "alice", "password": "Passw0rd!" }))
        .await;
    garbage.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");
    // A JSON body sent as text is a string, not an object.
    let text = rest(&app)
        .raw(reqwest::Method::POST, "/auth/local", "text/plain", r#"{"identifier":"alice","password":"Passw0rd!"}"#)
        .await;
    let details = text.error(400, "ValidationError", "this must be a `object` type");
    assert!(!details.to_string().contains("Passw0rd!"), "a body is never repeated: it may hold a password");
}

#[tokio::test]
async fn login_of_blocked_and_unconfirmed_users() {
    let app = spawn_app().await;
    let (jwt, id) = register(&app, "heidi").await;
    let core = &app.app.core;
    let domain = crate::user_support::domain(&app).await;
    let patch = gatehouse_core::UserPatch { blocked: Some(true), ..Default::default() };
    core.users()
        .update_user(&domain, gatehouse_core::UserId::new(id), patch, gatehouse_core::events::Actor::GlobalAdmin)
        .await
        .unwrap();
    let login = |password: &str| rest(&app).post("/auth/local", json!({ "identifier": "heidi", "password": password }));
    login("Passw0rd!").await.plain_error(400, "ApplicationError", "Your account has been blocked by an administrator");
    login("wrong").await.plain_error(400, "ValidationError", "Invalid identifier or password");
    // The blocked user's token is refused.
    let refused = rest(&app).bearer(&jwt).get("/users/me").await;
    assert_eq!((refused.status.as_u16(), refused.body["error"]["name"].as_str()), (401, Some("UnauthorizedError")));

    let (jwt, _) = register(&app, "frank").await;
    let unconfirmed = seed_user(&app, "ivan", false, None).await;
    let patch =
        gatehouse_core::UserPatch { confirmed: Some(false), password: Some("Passw0rd!".into()), ..Default::default() };
    core.users().update_user(&domain, unconfirmed, patch, gatehouse_core::events::Actor::GlobalAdmin).await.unwrap();
    set_settings(&app, |s| s.email_confirmation = true).await;
    let reply = rest(&app).post("/auth/local", json!({ "identifier": "ivan", "password": "Passw0rd!" })).await;
    reply.plain_error(400, "ApplicationError", "Your account email is not confirmed");
    // frank registered while confirmation was off, so it is confirmed and keeps working.
    rest(&app).bearer(&jwt).get("/users/me").await.ok(200);
}

#[tokio::test]
async fn refresh_token_routes_answer_404_in_legacy_mode_once_permitted() {
    let app = spawn_app().await;
    let (jwt, _) = register(&app, "alice").await;
    let anonymous = rest(&app);
    let signed_in = rest(&app).bearer(&jwt);
    anonymous.post("/auth/refresh", json!({ "refreshToken": "x" })).await.plain_error(
        404,
        "NotFoundError",
        "Not Found",
    );
    anonymous.post("/auth/logout", json!({})).await.forbidden();
    anonymous.get("/auth/sessions").await.forbidden();
    anonymous.delete("/auth/sessions/abc").await.forbidden();
    signed_in.post("/auth/logout", json!({})).await.plain_error(404, "NotFoundError", "Not Found");
    signed_in.get("/auth/sessions").await.plain_error(404, "NotFoundError", "Not Found");
    signed_in.delete("/auth/sessions/abc").await.plain_error(404, "NotFoundError", "Not Found");
    // Authenticated does not hold auth.refresh.
    signed_in.post("/auth/refresh", json!({})).await.forbidden();
}

#[tokio::test]
async fn no_oauth_provider_is_enabled() {
    let app = spawn_app().await;
    for path in ["/connect/github", "/auth/github/callback", "/auth/local/callback"] {
        rest(&app).get(path).await.plain_error(400, "ApplicationError", "This provider is disabled");
    }
    // Without auth.connect in the Public role, it is forbidden.
    let core = &app.app.core;
    let domain = crate::user_support::domain(&app).await;
    let public = core.roles().role_by_type(&domain, "public").await.unwrap().unwrap();
    let kept: Vec<String> = core
        .roles()
        .role_permissions(&public)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.as_str().to_string())
        .filter(|a| *a != format!("{P}auth.connect"))
        .collect();
    core.roles()
        .update_role(&domain, public.id, None, None, Some(kept), gatehouse_core::events::Actor::GlobalAdmin)
        .await
        .unwrap();
    rest(&app).get("/connect/github").await.forbidden();
    grant(&app, "public", &[&format!("{P}auth.connect")]).await;
    rest(&app).get("/connect/github").await.plain_error(400, "ApplicationError", "This provider is disabled");
}
