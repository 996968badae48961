//! Rate limits of the auth mutations, and the domain settings read at every decision.

use serde_json::json;

use crate::user_support::{register, set_settings};
use gatehouse_testkit::spawn_app;

#[tokio::test]
async fn the_eleventh_login_attempt_in_a_minute_is_refused_per_identifier() {
    let app = spawn_app().await;
    register(&app, "target").await.data();
    for attempt in 1..=10 {
        let answer = app.login("target", "wrong-password").await;
        assert_eq!(answer.error_message(), "Invalid identifier or password", "attempt {attempt}");
    }
    let answer = app.login("target", "secret123").await;
    assert_eq!(answer.error_message(), "Too many requests, please try again later.");
    assert_eq!(answer.error_code(), "STRAPI_RATE_LIMIT_ERROR");
    assert_eq!(answer.body["errors"][0]["extensions"]["error"]["name"], "RateLimitError");
    assert_eq!(answer.status, reqwest::StatusCode::OK);
    // Another identifier from the same client is not affected.
    register(&app, "bystander").await.data();
    app.login("bystander", "secret123").await.data();
    // Nor the same identifier in another domain.
    let other = app
        .user()
        .host("other.test")
        .query(r#"mutation { login(input: {identifier: "target", password: "x"}) { jwt } }"#, json!({}))
        .await;
    assert_eq!(other.error_message(), "Invalid identifier or password");
}

#[tokio::test]
async fn forgot_password_is_limited_by_the_domain_settings() {
    let app = spawn_app().await;
    set_settings(&app, |s| s.rate_limit_max = 2).await;
    let forgot = |email: &'static str| {
        let app = &app;
        async move {
            app.user().query("mutation($e: String!) { forgotPassword(email: $e) { ok } }", json!({ "e": email })).await
        }
    };
    forgot("a@example.com").await.data();
    forgot("a@example.com").await.data();
    assert_eq!(forgot("A@example.com").await.error_code(), "STRAPI_RATE_LIMIT_ERROR", "identifiers are lower-cased");
    forgot("b@example.com").await.data();
    // Zero turns the limit off.
    set_settings(&app, |s| s.rate_limit_max = 0).await;
    forgot("a@example.com").await.data();
}

#[tokio::test]
async fn settings_are_read_at_every_decision() {
    let app = spawn_app().await;
    set_settings(&app, |s| s.password_min_length = 10).await;
    let answer = register(&app, "strict").await;
    assert_eq!(answer.error_message(), "password must be at least 10 characters");
    set_settings(&app, |s| {
        s.password_min_length = 6;
        s.default_role = "public".into();
    })
    .await;
    let answer = register(&app, "strict").await;
    assert_eq!(answer.data()["register"]["user"]["role"]["type"], "public");
    set_settings(&app, |s| s.default_role = "missing".into()).await;
    assert_eq!(register(&app, "other").await.error_message(), "Impossible to find the default role");
    set_settings(&app, |s| {
        s.default_role = "authenticated".into();
        s.unique_email = false;
    })
    .await;
    // Registration keeps Strapi's rule (no username or email taken); created users may share one.
    let answer = app
        .user()
        .query(
            r#"mutation { register(input: {username: "twin", email: "strict@example.com", password: "secret123"}) { jwt } }"#,
            json!({}),
        )
        .await;
    assert_eq!(answer.error_message(), "Email or Username are already taken");
}

#[tokio::test]
async fn auth_operations_follow_the_public_role() {
    let app = spawn_app().await;
    let core = &app.app.core;
    let domain = core.domains().domain(&"localhost".parse().unwrap()).await.unwrap();
    let public = core.roles().role_by_type(&domain, "public").await.unwrap().unwrap();
    let kept: Vec<String> = core
        .roles()
        .role_permissions(&public)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a != "plugin::users-permissions.auth.register")
        .map(String::from)
        .collect();
    core.roles()
        .update_role(&domain, public.id, None, None, Some(kept), gatehouse_core::events::Actor::GlobalAdmin)
        .await
        .unwrap();
    let answer = register(&app, "latecomer").await;
    assert_eq!(answer.error_message(), "Forbidden access");
    assert_eq!(answer.error_code(), "FORBIDDEN");
}

#[tokio::test]
async fn the_core_records_every_change_and_auth_outcome() {
    use gatehouse_core::UserPatch;
    use gatehouse_core::events::Actor;
    use gatehouse_core::store::EventFilter;
    let app = spawn_app().await;
    set_settings(&app, |s| s.email_confirmation = true).await;
    register(&app, "audited").await.data();
    let mail = &crate::user_support::outbox_mails(&app, 1).await[0];
    let code = crate::user_support::token_after(mail, "confirmation=", 40).unwrap();
    app.user()
        .query("mutation($c: String!) { emailConfirmation(confirmation: $c) { jwt } }", json!({ "c": code }))
        .await
        .data();
    app.user().query(r#"mutation { forgotPassword(email: "audited@example.com") { ok } }"#, json!({})).await.data();
    let mails = crate::user_support::outbox_mails(&app, 2).await;
    let reset = mails.iter().find_map(|m| crate::user_support::token_after(m, "code=", 128)).unwrap();
    app.user()
        .query(
            "mutation($c: String!) { resetPassword(code: $c, password: \"another1\", passwordConfirmation: \"another1\") { jwt } }",
            json!({ "c": reset }),
        )
        .await
        .data();
    let core = &app.app.core;
    let domain = crate::user_support::domain(&app).await;
    let user = core.users().user_by_username(&domain, "audited").await.unwrap().unwrap();
    core.users()
        .update_user(&domain, user.id, UserPatch { blocked: Some(true), ..Default::default() }, Actor::GlobalAdmin)
        .await
        .unwrap();
    core.users().revoke_tokens(&domain, user.id, Actor::GlobalAdmin).await.unwrap();
    core.users().delete_user(&domain, user.id, Actor::GlobalAdmin).await.unwrap();
    let role = core.roles().create_role(&domain, "Auditor", None, None, None, Actor::GlobalAdmin).await.unwrap();
    core.roles().update_role(&domain, role.id, None, Some("Reads".into()), None, Actor::GlobalAdmin).await.unwrap();
    core.roles().delete_role(&domain, role.id, Actor::GlobalAdmin).await.unwrap();

    let filter = EventFilter { domain: Some("localhost".parse().unwrap()), limit: 100, ..Default::default() };
    let events = core.audit().list_events(&filter).await.unwrap();
    let mut kinds: Vec<String> = events.iter().rev().map(|e| e.kind.as_str()).collect();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "USER_REGISTERED",
            "EMAIL_CONFIRMED",
            "PASSWORD_RESET_REQUESTED",
            "PASSWORD_RESET",
            "USER_UPDATED",
            "USER_BLOCKED",
            "TOKEN_REVOKED",
            "USER_DELETED",
            "ROLE_CREATED",
            "ROLE_UPDATED",
            "ROLE_DELETED",
        ]
    );
    let all = serde_json::to_string(&events).unwrap();
    assert!(!all.contains(&code) && !all.contains(&reset), "no token in the audit log");
    assert!(!all.contains("another1"), "no password in the audit log");
    let blocked = events.iter().find(|e| e.kind.as_str() == "USER_BLOCKED").unwrap();
    assert_eq!(blocked.user.as_deref(), Some("audited@localhost"));
    assert_eq!(blocked.actor, "global_admin");
}

#[tokio::test]
async fn a_refused_key_stays_refused_until_the_window_of_its_first_attempt_ends() {
    let app = spawn_app().await;
    set_settings(&app, |s| {
        s.rate_limit_max = 3;
        s.rate_limit_interval_seconds = 2;
    })
    .await;
    register(&app, "target").await.data();
    let start = std::time::Instant::now();
    for attempt in 1..=3 {
        assert_eq!(
            app.login("target", "wrong-password").await.error_message(),
            "Invalid identifier or password",
            "{attempt}"
        );
    }
    assert_eq!(app.login("target", "secret123").await.error_code(), "STRAPI_RATE_LIMIT_ERROR");
    // A token bucket would have refilled one attempt by now (one per 2/3 s); the window has not ended.
    tokio::time::sleep(std::time::Duration::from_millis(1200).saturating_sub(start.elapsed())).await;
    assert_eq!(app.login("target", "secret123").await.error_code(), "STRAPI_RATE_LIMIT_ERROR");
    tokio::time::sleep(std::time::Duration::from_millis(2200).saturating_sub(start.elapsed())).await;
    app.login("target", "secret123").await.data();
}

#[tokio::test]
async fn a_maximum_of_zero_turns_the_limits_off_through_the_admin_api_too() {
    let app = spawn_app().await;
    let update = "mutation($s: DomainSettingsInput!) { domain { updateDomainSettings(domain: \"localhost\", settings: $s) { rateLimitMax rateLimitIntervalSeconds } } }";
    let answer = app.admin().query(update, json!({ "s": { "rateLimitMax": 0 } })).await;
    assert_eq!(
        answer.data()["domain"]["updateDomainSettings"],
        json!({ "rateLimitMax": 0, "rateLimitIntervalSeconds": 60 })
    );
    register(&app, "target").await.data();
    for _ in 0..15 {
        assert_eq!(app.login("target", "wrong-password").await.error_message(), "Invalid identifier or password");
    }
    app.login("target", "secret123").await.data();
    let answer = app.admin().query(update, json!({ "s": { "rateLimitIntervalSeconds": 0 } })).await;
    assert_eq!(answer.error_code(), "invalid_input");
}

#[tokio::test]
async fn limits_hold_across_the_nodes_of_a_cluster() {
    let app = spawn_app().await;
    if app.config.storage.url.starts_with("sqlite:") {
        eprintln!("skipped: nodes share limits through PostgreSQL; SQLite serves a single node");
        return;
    }
    let second = gatehouse_server::app::App::start(&app.config).await.expect("a second node on the same database");
    let second_user = second.listener(gatehouse_server::config::Handler::User).unwrap().url();
    app.register("spread", "secret123").await;
    let login = json!({ "query": "mutation { login(input: {identifier: \"spread\", password: \"wrong\"}) { jwt } }" });
    // Ten wrong passwords, alternating between the nodes: each is an ordinary refusal.
    for attempt in 0..10 {
        let url = if attempt % 2 == 0 { &app.user_url } else { &second_user };
        let answer: serde_json::Value = app.client.post(url).json(&login).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["errors"][0]["message"], "Invalid identifier or password", "attempt {attempt}: {answer}");
    }
    // The eleventh is refused on either node, even with the right password.
    for url in [&app.user_url, &second_user] {
        let right =
            json!({ "query": "mutation { login(input: {identifier: \"spread\", password: \"secret123\"}) { jwt } }" });
        let answer: serde_json::Value = app.client.post(url).json(&right).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["errors"][0]["extensions"]["code"], "STRAPI_RATE_LIMIT_ERROR", "{answer}");
    }
    second.stop(std::time::Duration::ZERO).await;
}
