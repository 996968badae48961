//! Register, login, me and changePassword: the first user API operations.

use reqwest::StatusCode;
use serde_json::json;

use gatehouse_testkit::spawn_app;

const ME: &str = "{ me { id documentId username email confirmed blocked role { id name type } } }";

#[tokio::test]
async fn register_login_by_username_and_by_email_then_me() {
    let app = spawn_app().await;
    let answer = app
        .user()
        .query(
            r#"mutation { register(input: {username: "Alice", email: "Alice@Example.COM", password: "secret123"}) {
                jwt user { id documentId username email confirmed blocked role { id name type } } } }"#,
            json!({}),
        )
        .await;
    let registered = &answer.data()["register"];
    assert!(registered["jwt"].as_str().unwrap().split('.').count() == 3);
    let user = &registered["user"];
    assert_eq!(user["username"], "Alice");
    assert_eq!(user["email"], "alice@example.com", "email is lower-cased");
    assert_eq!(user["confirmed"], true);
    assert_eq!(user["blocked"], false);
    assert!(user["id"].is_string(), "ids are GraphQL IDs (strings)");
    assert_eq!(user["documentId"].as_str().unwrap().len(), 24);
    assert_eq!(user["role"]["type"], "authenticated", "the register payload carries the role");
    assert_eq!(user["role"]["id"], "1", "a fresh installation numbers Authenticated 1");

    let by_username = app.login("Alice", "secret123").await;
    assert_eq!(by_username.data()["login"]["user"]["role"]["type"], "authenticated");
    let by_email = app.login("ALICE@example.com", "secret123").await;
    let jwt = by_email.data()["login"]["jwt"].as_str().unwrap().to_string();
    assert_eq!(by_email.data()["login"]["user"]["id"], user["id"]);

    let me = app.user().bearer(&jwt).query(ME, json!({})).await;
    assert_eq!(me.data()["me"]["username"], "Alice");
    assert_eq!(me.data()["me"]["role"]["name"], "Authenticated");
}

#[tokio::test]
async fn username_match_is_case_sensitive() {
    let app = spawn_app().await;
    app.register("carol", "secret123").await;
    let answer = app.login("CAROL", "secret123").await;
    assert_eq!(answer.error_message(), "Invalid identifier or password");
}

#[tokio::test]
async fn login_errors_do_not_tell_unknown_users_from_wrong_passwords() {
    let app = spawn_app().await;
    app.register("bob", "secret123").await;
    for (identifier, password) in [("bob", "wrong-password"), ("nobody", "secret123"), ("nobody@example.com", "x")] {
        let answer = app.login(identifier, password).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body["data"], serde_json::Value::Null, "login is non-null: data is null");
        assert_eq!(answer.error_message(), "Invalid identifier or password");
        assert_eq!(answer.error_code(), "BAD_USER_INPUT");
        assert_eq!(answer.body["errors"][0]["extensions"]["error"]["name"], "ValidationError");
        assert_eq!(answer.body["errors"][0]["path"], json!(["login"]));
    }
    let answer = app.login("", "x").await;
    assert_eq!(answer.error_message(), "identifier is a required field");
    let answer = app
        .user()
        .query(
            r#"mutation { login(input: {identifier: "bob", password: "secret123", provider: "github"}) { jwt } }"#,
            json!({}),
        )
        .await;
    assert_eq!(answer.error_message(), "This provider is disabled");
    assert_eq!(answer.error_code(), "STRAPI_APPLICATION_ERROR");
}

#[tokio::test]
async fn register_errors() {
    let app = spawn_app().await;
    app.register("dave", "secret123").await;
    let register = |username: &str, email: &str, password: &str| {
        let body = json!({ "u": username, "e": email, "p": password });
        let app = &app;
        async move {
            app.user()
                .query(
                    "mutation($u: String!, $e: String!, $p: String!) { register(input: {username: $u, email: $e, password: $p}) { jwt } }",
                    body,
                )
                .await
        }
    };
    let cases = [
        (("dave", "new@example.com", "secret123"), "Email or Username are already taken", "STRAPI_APPLICATION_ERROR"),
        (("other", "DAVE@example.com", "secret123"), "Email or Username are already taken", "STRAPI_APPLICATION_ERROR"),
        (
            ("dave@example.com", "x@example.com", "secret123"),
            "Email or Username are already taken",
            "STRAPI_APPLICATION_ERROR",
        ),
        (("eve", "not-an-email", "secret123"), "email must be a valid email", "BAD_USER_INPUT"),
        (("ev", "eve@example.com", "secret123"), "username must be at least 3 characters", "BAD_USER_INPUT"),
        (("eve", "eve@example.com", "short"), "password must be at least 6 characters", "BAD_USER_INPUT"),
    ];
    for ((username, email, password), message, code) in cases {
        let answer = register(username, email, password).await;
        assert_eq!(answer.error_message(), message, "{username} {email}");
        assert_eq!(answer.error_code(), code);
    }
    let too_long = "é".repeat(513);
    let answer = register("eve", "eve@example.com", &too_long).await;
    assert_eq!(answer.error_message(), "Password must be less than 1025 bytes");
    // None of the refused registrations created a user.
    assert_eq!(app.login("eve", "secret123").await.error_message(), "Invalid identifier or password");

    let domain = app.app.core.domains().domain(&"localhost".parse().unwrap()).await.unwrap();
    let mut settings = domain.settings.clone();
    settings.allow_register = false;
    app.app.core.domains().force_settings(&domain, settings).await.unwrap();
    let answer = register("frank", "frank@example.com", "secret123").await;
    assert_eq!(answer.error_message(), "Register action is currently disabled");
}

#[tokio::test]
async fn me_is_forbidden_for_anonymous_callers() {
    let app = spawn_app().await;
    let answer = app.user().query(ME, json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_message(), "Forbidden access");
    assert_eq!(answer.error_code(), "FORBIDDEN");
    assert_eq!(answer.body["data"]["me"], serde_json::Value::Null);
}

#[tokio::test]
async fn bad_tokens_get_a_rest_style_401() {
    let app = spawn_app().await;
    let jwt = app.register("grace", "secret123").await;
    let forged = {
        let mut parts: Vec<String> = jwt.split('.').map(String::from).collect();
        parts[2] = parts[2].chars().rev().collect();
        parts.join(".")
    };
    for token in ["not-a-jwt", forged.as_str()] {
        let answer = app.user().bearer(token).query(ME, json!({})).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            answer.body,
            json!({"data": null, "error": {"status": 401, "name": "UnauthorizedError",
                   "message": "Missing or invalid credentials", "details": {}}})
        );
    }
}

#[tokio::test]
async fn tokens_signed_with_another_algorithm_are_refused() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let secret = "a-configured-secret";
    let app = gatehouse_testkit::spawn_app_with(|config| config.jwt.secret = Some(secret.into())).await;
    app.register("heidi", "secret123").await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = json!({ "id": 1, "domain": "localhost", "ver": 0, "iat": now, "exp": now + 3600 });
    let hs512 = encode(&Header::new(Algorithm::HS512), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap();
    let answer = app.user().bearer(&hs512).query(ME, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    // The same claims with the right algorithm and secret are accepted: the refusal above is the algorithm's.
    let hs256 = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap();
    let answer = app.user().bearer(&hs256).query(ME, json!({})).await;
    assert_eq!(answer.data()["me"]["username"], "heidi");
}

#[tokio::test]
async fn a_token_of_one_domain_is_refused_in_another() {
    let app = spawn_app().await;
    let jwt = app.register("ivan", "secret123").await;
    let at_home = app.user().host("localhost").bearer(&jwt).query(ME, json!({})).await;
    assert_eq!(at_home.data()["me"]["username"], "ivan");
    let abroad = app.user().host("other.test:5561").bearer(&jwt).query(ME, json!({})).await;
    assert_eq!(abroad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(abroad.body["error"]["message"], "Missing or invalid credentials");
    // Users are per domain: ivan does not exist in other.test.
    let login = app
        .user()
        .host("other.test")
        .query(r#"mutation { login(input: {identifier: "ivan", password: "secret123"}) { jwt } }"#, json!({}))
        .await;
    assert_eq!(login.error_message(), "Invalid identifier or password");
}

#[tokio::test]
async fn change_password_revokes_earlier_tokens() {
    let app = spawn_app().await;
    let old_jwt = app.register("judy", "secret123").await;
    let change = |jwt: String, current: &'static str, password: &'static str, confirmation: &'static str| {
        let app = &app;
        async move {
            app.user()
                .bearer(&jwt)
                .query(
                    "mutation($c: String!, $p: String!, $q: String!) { changePassword(currentPassword: $c, password: $p, passwordConfirmation: $q) { jwt user { username } } }",
                    json!({ "c": current, "p": password, "q": confirmation }),
                )
                .await
        }
    };
    let cases = [
        (("secret123", "newsecret1", "different1"), "Passwords do not match"),
        (("wrong-current", "newsecret1", "newsecret1"), "The provided current password is invalid"),
        (("secret123", "secret123", "secret123"), "Your new password must be different than your current password"),
        (("secret123", "tiny", "tiny"), "password must be at least 6 characters"),
    ];
    for ((current, password, confirmation), message) in cases {
        let answer = change(old_jwt.clone(), current, password, confirmation).await;
        assert_eq!(answer.error_message(), message);
        assert_eq!(answer.error_code(), "BAD_USER_INPUT");
        assert_eq!(answer.body["data"]["changePassword"], serde_json::Value::Null);
    }
    let answer = change(old_jwt.clone(), "secret123", "newsecret1", "newsecret1").await;
    let new_jwt = answer.data()["changePassword"]["jwt"].as_str().unwrap().to_string();

    let old = app.user().bearer(&old_jwt).query(ME, json!({})).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "the token issued before the change is revoked");
    let new = app.user().bearer(&new_jwt).query(ME, json!({})).await;
    assert_eq!(new.data()["me"]["username"], "judy");
    assert_eq!(app.login("judy", "secret123").await.error_message(), "Invalid identifier or password");
    app.login("judy", "newsecret1").await.data();
}

#[tokio::test]
async fn change_password_is_forbidden_for_anonymous_callers() {
    let app = spawn_app().await;
    let answer = app
        .user()
        .query(r#"mutation { changePassword(currentPassword: "a", password: "bbbbbb", passwordConfirmation: "bbbbbb") { jwt } }"#, json!({}))
        .await;
    assert_eq!(answer.error_message(), "Forbidden access");
    assert_eq!(answer.error_code(), "FORBIDDEN");
}

#[tokio::test]
async fn imported_bcrypt_hashes_verify_and_are_rehashed_to_argon2id() {
    let app = spawn_app().await;
    let core = &app.app.core;
    let domain = core.domains().domain(&"localhost".parse().unwrap()).await.unwrap();
    // A hash as Strapi stores it (bcryptjs, 10 rounds) of "strapi-password".
    let bcrypt_hash = bcrypt::hash("strapi-password", 10).unwrap().replacen("$2b$", "$2a$", 1);
    let record = gatehouse_core::import::ImportRecord {
        line: 1,
        username: "legacy".into(),
        email: "legacy@example.com".into(),
        password_hash: Some(bcrypt_hash),
        confirmed: true,
        ..Default::default()
    };
    let summary =
        core.imports().import_users(&domain, vec![record], gatehouse_core::events::Actor::GlobalAdmin).await.unwrap();
    assert_eq!(summary.created.len(), 1, "{:?}", summary.invalid);
    let user = core.users().user_by_username(&domain, "legacy").await.unwrap().unwrap();
    assert_eq!(app.login("legacy", "wrong").await.error_message(), "Invalid identifier or password");
    app.login("legacy", "strapi-password").await.data();
    let stored = core.users().user(&domain, user.id).await.unwrap().unwrap();
    assert!(stored.password_hash.unwrap().starts_with("$argon2id$"), "rehashed at the successful login");
    app.login("legacy", "strapi-password").await.data();
}
