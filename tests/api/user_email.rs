//! The email flows: confirmation at registration, forgotten password and reset, templates,
//! delivery to the outbox and over real SMTP.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::user_support::{
    decode_quoted_printable, domain, outbox_mails, register, set_settings, smtp_server, token_after,
};
use gatehouse_testkit::{TestApp, spawn_app, spawn_app_with};

const FORGOT: &str = "mutation($e: String!) { forgotPassword(email: $e) { ok } }";
const RESET: &str = "mutation($c: String!, $p: String!, $q: String!) { resetPassword(code: $c, password: $p, passwordConfirmation: $q) { jwt user { id username email } } }";
const CONFIRM: &str =
    "mutation($c: String!) { emailConfirmation(confirmation: $c) { jwt user { id username email confirmed } } }";

async fn forgot(app: &TestApp, email: &str) -> gatehouse_testkit::Answer {
    app.user().query(FORGOT, json!({ "e": email })).await
}

async fn reset(app: &TestApp, code: &str, password: &str, confirmation: &str) -> gatehouse_testkit::Answer {
    app.user().query(RESET, json!({ "c": code, "p": password, "q": confirmation })).await
}

#[tokio::test]
async fn registration_with_email_confirmation() {
    let app = spawn_app().await;
    set_settings(&app, |s| {
        s.email_confirmation = true;
        s.email_confirmation_redirection = Some("https://app.test/confirm".into());
    })
    .await;
    // Case 6: no jwt, not confirmed, a mail with the link.
    let answer = register(&app, "pending").await;
    let registered = &answer.data()["register"];
    assert_eq!(registered["jwt"], Value::Null);
    assert_eq!(registered["user"]["confirmed"], false);
    let mails = outbox_mails(&app, 1).await;
    assert!(mails[0].contains("Subject: Account confirmation"), "{}", mails[0]);
    assert!(mails[0].contains("To: pending@example.com"));
    let code = token_after(&mails[0], "https://app.test/confirm?confirmation=", 40).expect("a confirmation link");
    assert_eq!(app.login("pending", "secret123").await.error_message(), "Your account email is not confirmed");

    // Case 9: a bogus token.
    let answer = app.user().query(CONFIRM, json!({ "c": "0".repeat(40) })).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["data"], json!({ "emailConfirmation": null }));
    assert_eq!(answer.error_message(), "Invalid token");
    assert_eq!(answer.body["errors"][0]["path"], json!(["emailConfirmation"]));
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");

    // Case 10: a new mail invalidates the older link.
    let core = &app.app.core;
    core.auth().resend_email_confirmation(&domain(&app).await, "pending@example.com").await.unwrap();
    let mails = outbox_mails(&app, 2).await;
    let newer = mails
        .iter()
        .filter_map(|m| token_after(m, "confirmation=", 40))
        .find(|t| *t != code)
        .expect("a second confirmation code");
    assert_eq!(app.user().query(CONFIRM, json!({ "c": code })).await.error_message(), "Invalid token");

    // Case 8: confirmation signs the user in; the code works once.
    let answer = app.user().query(CONFIRM, json!({ "c": newer })).await;
    let confirmed = &answer.data()["emailConfirmation"];
    assert!(confirmed["jwt"].is_string());
    assert!(confirmed["user"]["id"].is_string());
    assert_eq!(confirmed["user"]["email"], "pending@example.com");
    assert_eq!(confirmed["user"]["confirmed"], true);
    let jwt = confirmed["jwt"].as_str().unwrap();
    assert_eq!(app.user().bearer(jwt).query("{ me { confirmed } }", json!({})).await.data()["me"]["confirmed"], true);
    assert_eq!(app.user().query(CONFIRM, json!({ "c": newer })).await.error_message(), "Invalid token");
    app.login("pending", "secret123").await.data();
    let again = core.auth().resend_email_confirmation(&domain(&app).await, "pending@example.com").await;
    assert_eq!(again.unwrap_err().to_string(), "Already confirmed");
}

#[tokio::test]
async fn without_email_confirmation_no_mail_is_sent() {
    let app = spawn_app().await;
    let answer = register(&app, "direct").await;
    assert!(answer.data()["register"]["jwt"].is_string());
    assert_eq!(answer.data()["register"]["user"]["confirmed"], true);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(std::fs::read_dir(&app.outbox).map(|d| d.count() == 0).unwrap_or(true), "no mail");
}

#[tokio::test]
async fn register_allowed_fields() {
    let app = spawn_app().await;
    set_settings(&app, |s| s.email_confirmation = true).await;
    let query = r#"mutation { register(input: {username: "eager", email: "eager@example.com", password: "secret123", confirmed: true}) { jwt user { confirmed } } }"#;
    let answer = app.user().query(query, json!({})).await;
    assert_eq!(answer.error_message(), "Invalid parameters: confirmed");
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    set_settings(&app, |s| s.register_allowed_fields = vec!["confirmed".into()]).await;
    let answer = app.user().query(query, json!({})).await;
    assert!(answer.data()["register"]["jwt"].is_string(), "confirmed at registration: signed in at once");
    assert_eq!(answer.data()["register"]["user"]["confirmed"], true);
}

#[tokio::test]
async fn forgot_password_sends_a_single_use_expiring_reset_code() {
    let app = spawn_app().await;
    set_settings(&app, |s| s.email_reset_password = Some("https://app.test/reset".into())).await;
    let old_jwt = register(&app, "forgetful").await.data()["register"]["jwt"].as_str().unwrap().to_string();

    // Unknown emails get the same answer and no mail (case 25).
    for email in ["nobody@example.com", "FORGETFUL@example.com"] {
        let answer = forgot(&app, email).await;
        assert_eq!(answer.data()["forgotPassword"], json!({ "ok": true }));
    }
    let mails = outbox_mails(&app, 1).await;
    assert_eq!(mails.len(), 1, "one mail, for the known user only");
    // Case 26: 128 lower-case hex characters, in the link to the front end.
    let code = token_after(&mails[0], "https://app.test/reset?code=", 128).expect("a reset link");
    assert!(code.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    assert!(mails[0].contains("Subject: Reset password"));

    // Case 27: mismatch, bad code, then success; the code works once.
    assert_eq!(reset(&app, &code, "newpass1", "newpass2").await.error_message(), "Passwords do not match");
    assert_eq!(reset(&app, &"a".repeat(128), "newpass1", "newpass1").await.error_message(), "Incorrect code provided");
    assert_eq!(reset(&app, &code, "tiny", "tiny").await.error_message(), "password must be at least 6 characters");
    let answer = reset(&app, &code, "newpass1", "newpass1").await;
    let payload = &answer.data()["resetPassword"];
    assert!(payload["jwt"].is_string());
    assert_eq!(payload["user"]["username"], "forgetful");
    let again = reset(&app, &code, "newpass2", "newpass2").await;
    assert_eq!(again.error_message(), "Incorrect code provided");
    assert_eq!(again.error_code(), "BAD_USER_INPUT");
    assert_eq!(again.body["data"], json!({ "resetPassword": null }));

    // The reset revoked earlier tokens and changed the password.
    assert_eq!(app.user().bearer(&old_jwt).query("{ me { id } }", json!({})).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("forgetful", "secret123").await.error_message(), "Invalid identifier or password");
    app.login("forgetful", "newpass1").await.data();

    // A newer request invalidates the older code; an expired code is refused.
    forgot(&app, "forgetful@example.com").await.data();
    forgot(&app, "forgetful@example.com").await.data();
    let mails = outbox_mails(&app, 3).await;
    let codes: Vec<String> = mails.iter().filter_map(|m| token_after(m, "code=", 128)).filter(|c| *c != code).collect();
    assert_eq!(codes.len(), 2);
    // Were both codes valid, both would work (in either order); only the newest does.
    let (mut working, mut refused) = (0, 0);
    for candidate in &codes {
        let answer = reset(&app, candidate, "newpass3", "newpass3").await;
        if answer.body["errors"].is_null() { working += 1 } else { refused += 1 }
    }
    assert_eq!((working, refused), (1, 1), "only the newest code works");

    set_settings(&app, |s| s.reset_token_lifetime_seconds = -1).await;
    forgot(&app, "forgetful@example.com").await.data();
    let mails = outbox_mails(&app, 4).await;
    let expired = mails
        .iter()
        .filter_map(|m| token_after(m, "code=", 128))
        .find(|c| *c != code && !codes.contains(c))
        .expect("a fourth code");
    assert_eq!(reset(&app, &expired, "newpass4", "newpass4").await.error_message(), "Incorrect code provided");
}

#[tokio::test]
async fn blocked_users_get_no_reset_mail() {
    let app = spawn_app().await;
    register(&app, "blocked1").await.data();
    let domain = domain(&app).await;
    let core = &app.app.core;
    let user = core.users().user_by_username(&domain, "blocked1").await.unwrap().unwrap();
    let patch = gatehouse_core::UserPatch { blocked: Some(true), ..Default::default() };
    core.users().update_user(&domain, user.id, patch, gatehouse_core::events::Actor::GlobalAdmin).await.unwrap();
    assert_eq!(forgot(&app, "blocked1@example.com").await.data()["forgotPassword"]["ok"], true);
    assert_eq!(forgot(&app, "not-an-email").await.error_message(), "email must be a valid email");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(std::fs::read_dir(&app.outbox).map(|d| d.count() == 0).unwrap_or(true), "no mail");
}

#[tokio::test]
async fn templates_are_per_domain_and_escape_html() {
    use gatehouse_core::events::Actor;
    use gatehouse_core::mail::{EmailTemplate, TemplateKind};
    let app = spawn_app().await;
    let domain = domain(&app).await;
    let core = &app.app.core;
    let defaults = core.emails().email_templates(&domain).await.unwrap();
    assert_eq!(defaults.len(), 2);
    assert!(defaults[0].html.contains("<%= URL %>?code=<%= TOKEN %>"));
    let template = EmailTemplate {
        kind: TemplateKind::ResetPassword,
        subject: "Hello <%= USER.username %>".into(),
        text: "Reset: <%= SERVER_URL %> <%= TOKEN %> <%= USER.email %> <%= UNKNOWN %>".into(),
        html: "<p><%= USER.username %> <%= TOKEN %></p>".into(),
    };
    core.emails().set_email_template(&domain, template, Actor::GlobalAdmin).await.unwrap();
    let other = core.domains().domain(&"other.test".parse().unwrap()).await.unwrap();
    assert_eq!(
        core.emails().email_templates(&other).await.unwrap()[0].subject,
        "Reset password",
        "other domains keep theirs"
    );

    app.user()
        .query(
            r#"mutation { register(input: {username: "<b>x</b>", email: "x@example.com", password: "secret123"}) { jwt } }"#,
            json!({}),
        )
        .await
        .data();
    forgot(&app, "x@example.com").await.data();
    let mail = &outbox_mails(&app, 1).await[0];
    assert!(mail.contains("Subject: Hello <b>x</b>"), "{mail}");
    assert!(mail.contains("Reset: http://127.0.0.1:5561 "), "{mail}");
    assert!(mail.contains(" x@example.com <%= UNKNOWN %>"), "unknown variables stay as written");
    assert!(mail.contains("<p>&lt;b&gt;x&lt;/b&gt; "), "values are escaped in html");
}

#[tokio::test]
async fn a_failed_confirmation_mail_keeps_the_user() {
    // A port where nothing listens: the SMTP connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(|config| config.smtp.url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    set_settings(&app, |s| s.email_confirmation = true).await;
    let answer = register(&app, "unlucky").await;
    assert_eq!(answer.error_message(), "Error sending confirmation email");
    assert_eq!(answer.error_code(), "STRAPI_APPLICATION_ERROR");
    assert_eq!(app.login("unlucky", "secret123").await.error_message(), "Your account email is not confirmed");
    // forgotPassword answers ok all the same.
    set_settings(&app, |s| s.email_confirmation = false).await;
    assert_eq!(forgot(&app, "unlucky@example.com").await.data()["forgotPassword"]["ok"], true);
}

#[tokio::test]
async fn reset_link_delivered_over_smtp_works_end_to_end() {
    let (port, mut inbox) = smtp_server().await;
    let app = spawn_app_with(|config| {
        config.smtp.url = Some(format!("smtp://127.0.0.1:{port}"));
        config.smtp.from = "Gatehouse <no-reply@gatehouse.test>".into();
    })
    .await;
    set_settings(&app, |s| s.email_reset_password = Some("https://app.test/reset".into())).await;
    register(&app, "mailed").await.data();
    forgot(&app, "mailed@example.com").await.data();
    let received = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv())
        .await
        .expect("a mail within 10 s")
        .expect("a mail");
    assert_eq!(received.from, "<no-reply@gatehouse.test>");
    assert_eq!(received.to, ["<mailed@example.com>"]);
    let text = decode_quoted_printable(&received.data);
    assert!(text.contains("Subject: Reset password"), "{text}");
    let code = token_after(&text, "https://app.test/reset?code=", 128).expect("the reset link");
    let answer = reset(&app, &code, "fromsmtp1", "fromsmtp1").await;
    assert!(answer.data()["resetPassword"]["jwt"].is_string());
    app.login("mailed", "fromsmtp1").await.data();
    assert!(std::fs::read_dir(&app.outbox).is_err(), "nothing went to the outbox");
}
