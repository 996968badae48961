//! Strapi's ValidationError details: every failing field with its path and message (and the
//! value given, except for passwords), and the refused key of a list query.

use serde_json::{Value, json};

use crate::user_support::grant;
use gatehouse_testkit::{Answer, TestApp, spawn_app};

const REGISTER: &str = "mutation($u: String!, $e: String!, $p: String!) { register(input: {username: $u, email: $e, password: $p}) { jwt } }";
const CHANGE: &str = "mutation($c: String!, $p: String!, $q: String!) { changePassword(currentPassword: $c, password: $p, passwordConfirmation: $q) { jwt } }";
const RESET: &str = "mutation($c: String!, $p: String!, $q: String!) { resetPassword(code: $c, password: $p, passwordConfirmation: $q) { jwt } }";

/// The message and `extensions.error.details` of the first error, after checking its shape.
fn validation(answer: &Answer) -> (&str, &Value) {
    let error = &answer.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{}", answer.body);
    assert_eq!(error["extensions"]["error"]["name"], "ValidationError");
    assert_eq!(error["extensions"]["error"]["message"], error["message"]);
    (error["message"].as_str().unwrap_or(""), &error["extensions"]["error"]["details"])
}

fn field(path: &str, message: &str, value: Option<&str>) -> Value {
    let mut error = json!({ "path": [path], "message": message, "name": "ValidationError" });
    if let Some(value) = value {
        error["value"] = json!(value);
    }
    error
}

async fn register(app: &TestApp, username: &str, email: &str, password: &str) -> Answer {
    app.user().query(REGISTER, json!({ "u": username, "e": email, "p": password })).await
}

#[tokio::test]
async fn register_names_each_failing_field_as_strapi() {
    let app = spawn_app().await;
    let answer = register(&app, "bob", "bob@example.com", "12345").await;
    let (message, details) = validation(&answer);
    assert_eq!(message, "password must be at least 6 characters");
    assert_eq!(
        details,
        &json!({ "errors": [field("password", "password must be at least 6 characters", None)] }),
        "the password is never echoed"
    );

    let answer = register(&app, "bob", "not-an-email", "Passw0rd!").await;
    assert_eq!(
        validation(&answer).1,
        &json!({ "errors": [field("email", "email must be a valid email", Some("not-an-email"))] })
    );
    let answer = register(&app, "bo", "bob@example.com", "Passw0rd!").await;
    assert_eq!(
        validation(&answer).1,
        &json!({ "errors": [field("username", "username must be at least 3 characters", Some("bo"))] })
    );

    // Every field in one answer, in Strapi's order; the body's rules come before the model's.
    let answer = register(&app, "", "", "").await;
    let (message, details) = validation(&answer);
    assert_eq!(message, "3 errors occurred");
    assert_eq!(
        details,
        &json!({ "errors": [
            field("email", "email is a required field", Some("")),
            field("username", "username is a required field", Some("")),
            field("password", "password is a required field", None),
        ] })
    );
    let answer = register(&app, "bo", "bob@example.com", "123").await;
    assert_eq!(validation(&answer).0, "2 errors occurred");
    let long = "a".repeat(1025);
    let answer = register(&app, "bob", "bob@example.com", &long).await;
    assert_eq!(validation(&answer).1["errors"][0], field("password", "Password must be less than 1025 bytes", None));
    assert!(!answer.body.to_string().contains(&long));
}

#[tokio::test]
async fn login_forgot_password_and_user_creation_name_their_fields() {
    let app = spawn_app().await;
    let answer = app.login("", "").await;
    let (message, details) = validation(&answer);
    assert_eq!(message, "2 errors occurred");
    assert_eq!(
        details,
        &json!({ "errors": [
            field("identifier", "identifier is a required field", Some("")),
            field("password", "password is a required field", None),
        ] })
    );

    let forgot = "mutation($e: String!) { forgotPassword(email: $e) { ok } }";
    let answer = app.user().query(forgot, json!({ "e": "bad" })).await;
    assert_eq!(
        validation(&answer).1,
        &json!({ "errors": [field("email", "email must be a valid email", Some("bad"))] })
    );

    grant(&app, "public", &["plugin::users-permissions.user.create"]).await;
    let create =
        "mutation($d: UsersPermissionsUserInput!) { createUsersPermissionsUser(data: $d) { data { username } } }";
    let answer =
        app.user().query(create, json!({ "d": { "username": "dave", "email": "nope", "password": "x1" } })).await;
    let (message, details) = validation(&answer);
    assert_eq!(message, "2 errors occurred");
    assert_eq!(
        details,
        &json!({ "errors": [
            field("email", "email must be a valid email", Some("nope")),
            field("password", "password must be at least 6 characters", None),
        ] })
    );
    assert!(!answer.body.to_string().contains("\"x1\""), "no password in the answer");
}

#[tokio::test]
async fn new_passwords_name_their_fields_and_never_echo_a_password() {
    let app = spawn_app().await;
    let jwt = app.register("carol", "secret123").await;
    let change = |current: &str, password: &str, confirmation: &str| {
        let variables = json!({ "c": current, "p": password, "q": confirmation });
        let (app, jwt) = (&app, &jwt);
        async move { app.user().bearer(jwt).query(CHANGE, variables).await }
    };

    let answer = change("secret123", "Newer1!", "Other1!").await;
    let (message, details) = validation(&answer);
    assert_eq!(message, "Passwords do not match");
    assert_eq!(details, &json!({ "errors": [field("passwordConfirmation", "Passwords do not match", None)] }));
    assert!(!answer.body.to_string().contains("Other1!"));

    // The length rule of the user model comes after the current password is checked.
    let answer = change("secret123", "12", "12").await;
    assert_eq!(
        validation(&answer).1,
        &json!({ "errors": [field("password", "password must be at least 6 characters", None)] })
    );
    let answer = change("wrong-one", "12", "12").await;
    assert_eq!(validation(&answer), ("The provided current password is invalid", &json!({})));

    let answer = change("", "", "").await;
    let (message, details) = validation(&answer);
    assert_eq!(message, "3 errors occurred");
    assert_eq!(
        details,
        &json!({ "errors": [
            field("passwordConfirmation", "passwordConfirmation is a required field", None),
            field("password", "password is a required field", None),
            field("currentPassword", "currentPassword is a required field", None),
        ] })
    );

    let reset = app.user().query(RESET, json!({ "c": "some-code", "p": "Newer1!", "q": "Other1!" })).await;
    assert_eq!(
        validation(&reset).1,
        &json!({ "errors": [field("passwordConfirmation", "Passwords do not match", None)] })
    );
    let reset = app.user().query(RESET, json!({ "c": "some-code", "p": "123", "q": "123" })).await;
    assert_eq!(validation(&reset), ("Incorrect code provided", &json!({})), "the code is checked before the length");
}

#[tokio::test]
async fn refused_list_keys_carry_strapis_query_details() {
    let app = spawn_app().await;
    grant(&app, "public", &["plugin::users-permissions.user.find", "plugin::users-permissions.role.find"]).await;
    let answer = app.user().query(r#"{ usersPermissionsUsers(sort: "password:asc") { username } }"#, json!({})).await;
    assert_eq!(
        validation(&answer),
        ("Invalid key password", &json!({ "key": "password", "path": "password", "source": "query", "param": "sort" }))
    );
    let answer = app.user().query(r#"{ usersPermissionsUsers(sort: "nope") { username } }"#, json!({})).await;
    assert_eq!(validation(&answer).1, &json!({ "key": "nope", "path": null, "source": "query", "param": "sort" }));
    let answer = app
        .user()
        .query(r#"{ usersPermissionsRoles(filters: {permissions: {documentId: {eq: "x"}}}) { name } }"#, json!({}))
        .await;
    assert_eq!(
        validation(&answer),
        (
            "Invalid key documentId",
            &json!({ "key": "documentId", "path": "documentId", "source": "query", "param": "filters" })
        )
    );
}
