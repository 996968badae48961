//! REST email confirmation and password flows as Strapi 5.54 answers them
//! (`strapi-rest.md` §2.E, §2.F), over the same core as the GraphQL mutations.

use serde_json::json;

use crate::rest_support::{assert_user, register, rest};
use crate::user_support::{outbox_mails, set_settings, token_after};
use gatehouse_testkit::spawn_app;

#[tokio::test]
async fn registration_with_email_confirmation_then_the_confirmation_link() {
    let app = spawn_app().await;
    set_settings(&app, |s| s.email_confirmation = true).await;
    let body = json!({ "username": "ivan", "email": "ivan@example.com", "password": "Passw0rd!" });
    let reply = rest(&app).post("/auth/local/register", body).await;
    let answer = reply.ok(200);
    assert_eq!(crate::rest_support::keys(answer), ["user"], "no jwt until the email is confirmed");
    assert_user(&answer["user"], "ivan");
    assert_eq!(answer["user"]["confirmed"], false);
    let first = token_after(&outbox_mails(&app, 1).await[0], "confirmation=", 40).expect("a confirmation code");

    // A new mail replaces the older link.
    let resend = |email: &str| rest(&app).post("/auth/send-email-confirmation", json!({ "email": email }));
    assert_eq!(resend("ivan@example.com").await.ok(200), &json!({ "email": "ivan@example.com", "sent": true }));
    let mails = outbox_mails(&app, 2).await;
    let second = mails.iter().filter_map(|m| token_after(m, "confirmation=", 40)).find(|t| *t != first).unwrap();
    let confirm = |code: &str| rest(&app).get(&format!("/auth/email-confirmation?confirmation={code}"));
    confirm(&first).await.plain_error(400, "ValidationError", "Invalid token");

    let reply = confirm(&second).await;
    assert_eq!(reply.status.as_u16(), 302, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/"));
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(reply.body, "Redirecting to /.");
    confirm(&second).await.plain_error(400, "ValidationError", "Invalid token");
    rest(&app).post("/auth/local", json!({ "identifier": "ivan", "password": "Passw0rd!" })).await.ok(200);

    let required =
        json!({ "path": ["confirmation"], "message": "confirmation is a required field", "name": "ValidationError" });
    let missing = rest(&app).get("/auth/email-confirmation").await;
    assert_eq!(
        missing.error(400, "ValidationError", "confirmation is a required field"),
        &json!({ "errors": [required] })
    );
    let empty = confirm("").await;
    let details = empty.error(400, "ValidationError", "confirmation is a required field");
    assert_eq!(details["errors"][0]["value"], "", "a value when one was sent");
    resend("ivan@example.com").await.plain_error(400, "ApplicationError", "Already confirmed");
    // An unknown address gets the same answer as a known one, and no mail.
    assert_eq!(resend("NOBODY@Example.com").await.ok(200), &json!({ "email": "NOBODY@Example.com", "sent": true }));
    resend("bad").await.error(400, "ValidationError", "email must be a valid email");
    let missing = rest(&app).post("/auth/send-email-confirmation", json!({})).await;
    let details = missing.error(400, "ValidationError", "email is a required field");
    assert_eq!(
        details,
        &json!({ "errors": [{ "path": ["email"], "message": "email is a required field", "name": "ValidationError" }] })
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(outbox_mails(&app, 2).await.len(), 2);
}

#[tokio::test]
async fn the_confirmation_redirects_to_the_domains_page_and_blocked_users_get_no_mail() {
    let app = spawn_app().await;
    set_settings(&app, |s| {
        s.email_confirmation = true;
        s.email_confirmation_redirection = Some("https://app.example.com/confirmed".into());
    })
    .await;
    let body = json!({ "username": "ivan", "email": "ivan@example.com", "password": "Passw0rd!" });
    rest(&app).post("/auth/local/register", body).await.ok(200);
    let code = token_after(&outbox_mails(&app, 1).await[0], "confirmation=", 40).unwrap();
    let reply = rest(&app).get(&format!("/auth/email-confirmation?confirmation={code}")).await;
    assert_eq!(reply.status.as_u16(), 302);
    assert_eq!(reply.header("location"), Some("https://app.example.com/confirmed"));
    assert_eq!(reply.body, "Redirecting to https://app.example.com/confirmed.");

    let body = json!({ "username": "bobby", "email": "bobby@example.com", "password": "Passw0rd!" });
    let id = rest(&app).post("/auth/local/register", body).await.ok(200)["user"]["id"].as_i64().unwrap();
    let domain = crate::user_support::domain(&app).await;
    let patch = gatehouse_core::UserPatch { blocked: Some(true), ..Default::default() };
    app.app
        .core
        .users()
        .update_user(&domain, gatehouse_core::UserId::new(id), patch, gatehouse_core::events::Actor::GlobalAdmin)
        .await
        .unwrap();
    let reply = rest(&app).post("/auth/send-email-confirmation", json!({ "email": "bobby@example.com" })).await;
    reply.plain_error(400, "ApplicationError", "User blocked");
}

#[tokio::test]
async fn forgotten_password_then_reset() {
    let app = spawn_app().await;
    let (old_jwt, _) = register(&app, "alice").await;
    let forgot = |body| rest(&app).post("/auth/forgot-password", body);
    assert_eq!(forgot(json!({ "email": "nobody@example.com" })).await.ok(200), &json!({ "ok": true }));
    assert_eq!(forgot(json!({ "email": "ALICE@example.com" })).await.ok(200), &json!({ "ok": true }));
    let code = token_after(&outbox_mails(&app, 1).await[0], "code=", 128).expect("a reset code");
    forgot(json!({ "email": "bad" })).await.error(400, "ValidationError", "email must be a valid email");
    let details = forgot(json!({ "email": "alice@example.com", "x": 1 }))
        .await
        .error(400, "ValidationError", "this field has unspecified keys: x")
        .clone();
    assert_eq!(
        details,
        json!({ "errors": [{ "path": [], "message": "this field has unspecified keys: x", "name": "ValidationError", "value": { "email": "alice@example.com", "x": 1 } }] })
    );

    let reset = |code: &str, password: &str, confirmation: &str| {
        rest(&app).post(
            "/auth/reset-password",
            json!({ "code": code, "password": password, "passwordConfirmation": confirmation }),
        )
    };
    reset("wrong", "NewPassw0rd!", "NewPassw0rd!").await.plain_error(400, "ValidationError", "Incorrect code provided");
    let mismatch = reset(&code, "NewPassw0rd!", "Other").await;
    mismatch.error(400, "ValidationError", "Passwords do not match");
    assert!(!mismatch.body.to_string().contains("Other"), "a password is never repeated");
    let required = |field: &str| json!({ "path": [field], "message": format!("{field} is a required field"), "name": "ValidationError" });
    let missing = rest(&app).post("/auth/reset-password", json!({ "code": code })).await;
    let details = missing.error(400, "ValidationError", "2 errors occurred");
    assert_eq!(details, &json!({ "errors": [required("passwordConfirmation"), required("password")] }));
    let unknown = json!({ "code": code, "password": "NewPassw0rd!", "passwordConfirmation": "NewPassw0rd!", "x": 1 });
    let details = rest(&app).post("/auth/reset-password", unknown).await;
    let details = details.error(400, "ValidationError", "this field has unspecified keys: x");
    assert_eq!(details["errors"][0]["value"], json!({ "x": 1 }), "the code and the passwords are left out");

    let reply = reset(&code, "NewPassw0rd!", "NewPassw0rd!").await;
    let answer = reply.ok(200);
    assert_eq!(crate::rest_support::keys(answer), ["jwt", "user"]);
    assert_user(&answer["user"], "alice");
    reset(&code, "NewPassw0rd!", "NewPassw0rd!").await.plain_error(400, "ValidationError", "Incorrect code provided");
    let login = |password: &str| rest(&app).post("/auth/local", json!({ "identifier": "alice", "password": password }));
    login("Passw0rd!").await.plain_error(400, "ValidationError", "Invalid identifier or password");
    login("NewPassw0rd!").await.ok(200);
    // Gatehouse revokes the tokens issued before a reset (Strapi's legacy tokens stay valid).
    let refused = rest(&app).bearer(&old_jwt).get("/users/me").await;
    assert_eq!(refused.status.as_u16(), 401);
}

#[tokio::test]
async fn change_password() {
    let app = spawn_app().await;
    let (jwt, _) = register(&app, "alice").await;
    let change = |current: &str, password: &str, confirmation: &str| {
        let body = json!({ "currentPassword": current, "password": password, "passwordConfirmation": confirmation });
        rest(&app).bearer(&jwt).post("/auth/change-password", body)
    };
    let anonymous = json!({ "currentPassword": "Passw0rd!", "password": "x", "passwordConfirmation": "x" });
    rest(&app).post("/auth/change-password", anonymous).await.forbidden();
    change("wrong", "Newer1!", "Newer1!").await.plain_error(
        400,
        "ValidationError",
        "The provided current password is invalid",
    );
    change("Passw0rd!", "Newer1!", "Other1!").await.error(400, "ValidationError", "Passwords do not match");
    let same = change("Passw0rd!", "Passw0rd!", "Passw0rd!").await;
    same.plain_error(400, "ValidationError", "Your new password must be different than your current password");
    let short = change("Passw0rd!", "12", "12").await;
    let details = short.error(400, "ValidationError", "password must be at least 6 characters");
    assert_eq!(details["errors"][0]["path"], json!(["password"]));
    assert!(details["errors"][0].get("value").is_none(), "never a password");
    let unknown =
        json!({ "currentPassword": "Passw0rd!", "password": "Newer1!", "passwordConfirmation": "Newer1!", "x": 1 });
    let reply = rest(&app).bearer(&jwt).post("/auth/change-password", unknown).await;
    let details = reply.error(400, "ValidationError", "this field has unspecified keys: x");
    assert_eq!(details["errors"][0]["value"], json!({ "x": 1 }), "the passwords are left out");
    let empty = rest(&app).bearer(&jwt).post("/auth/change-password", json!({})).await;
    let details = empty.error(400, "ValidationError", "3 errors occurred");
    let required = |field: &str| json!({ "path": [field], "message": format!("{field} is a required field"), "name": "ValidationError" });
    assert_eq!(
        details,
        &json!({ "errors": [required("passwordConfirmation"), required("password"), required("currentPassword")] })
    );

    let reply = change("Passw0rd!", "Newer1!", "Newer1!").await;
    let answer = reply.ok(200);
    assert_user(&answer["user"], "alice");
    let fresh = answer["jwt"].as_str().unwrap();
    rest(&app).bearer(fresh).get("/users/me").await.ok(200);
    // The token the change was made with is revoked (Gatehouse; Strapi's stays valid).
    assert_eq!(rest(&app).bearer(&jwt).get("/users/me").await.status.as_u16(), 401);
}
