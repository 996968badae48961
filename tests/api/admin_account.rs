//! `account`, `role`, `token` and the email templates of `domain`, over the core functions the
//! user API uses too: what an admin does is what a user then sees.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{domain_admin, enable_domain_admin};
use gatehouse_testkit::{Answer, TestApp, spawn_app};

const REGISTER: &str = "mutation($d: DomainName!, $u: String, $e: String, $p: String!) { account { registerUser(domain: $d, username: $u, email: $e, password: $p) { user message } } }";
const GET_USER: &str = "query($u: UserRef!) { account { getUser(user: $u) { id documentId user username email confirmed blocked role { type } createdAt lastLoginAt } } }";
const ME: &str = "{ me { username } }";

async fn account(app: &TestApp, mutation: &str, user: &str, extra: Value) -> Answer {
    let mut variables = json!({ "u": user });
    if let Value::Object(extra) = extra {
        variables.as_object_mut().unwrap().extend(extra);
    }
    app.admin().query(mutation, variables).await
}

#[tokio::test]
async fn register_check_and_remove_users() {
    let app = spawn_app().await;
    let answer = app.admin().query(REGISTER, json!({ "d": "LocalHost", "u": "alice", "p": "secret123" })).await;
    assert_eq!(
        answer.data()["account"]["registerUser"],
        json!({ "user": "alice@localhost", "message": "User alice@localhost successfully registered" })
    );
    // A user of the user API at once, confirmed, with the default role and a never-delivered email.
    assert!(app.login("alice", "secret123").await.data()["login"]["jwt"].is_string());
    let user = account(&app, GET_USER, "alice@LOCALHOST", json!({})).await.data()["account"]["getUser"].clone();
    assert_eq!(user["user"], "alice@localhost");
    assert_eq!(user["email"], "alice@localhost.invalid");
    assert_eq!(user["confirmed"], true);
    assert_eq!(user["role"]["type"], "authenticated");
    assert!(user["lastLoginAt"].as_str().unwrap().ends_with('Z'));

    let answer = app.admin().query(REGISTER, json!({ "d": "localhost", "u": "alice", "p": "secret123" })).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_code(), "exists");
    assert!(answer.error_message().contains("already registered"), "{}", answer.error_message());
    let answer = app.admin().query(REGISTER, json!({ "d": "nowhere.test", "u": "bob", "p": "secret123" })).await;
    assert_eq!(answer.error_code(), "domain_not_found");
    let answer = app.admin().query(REGISTER, json!({ "d": "localhost", "u": "bob", "p": "123" })).await;
    assert_eq!(answer.error_code(), "invalid_input", "the domain's password policy applies");

    // Without a username, one is generated.
    let answer =
        app.admin().query(REGISTER, json!({ "d": "localhost", "e": "Anon@Example.com", "p": "secret123" })).await;
    let generated = answer.data()["account"]["registerUser"]["user"].as_str().unwrap().to_string();
    assert!(generated.starts_with("user-") && generated.ends_with("@localhost"), "{generated}");
    assert!(answer.data()["account"]["registerUser"]["message"].as_str().unwrap().contains("successfully registered"));

    let check = "query($u: UserRef!) { account { checkUser(user: $u) { exist message } } }";
    let answer = account(&app, check, "alice@localhost", json!({})).await;
    assert_eq!(
        answer.data()["account"]["checkUser"],
        json!({ "exist": true, "message": "User alice@localhost exists" })
    );
    let answer = account(&app, check, "ALICE@localhost", json!({})).await;
    assert_eq!(answer.data()["account"]["checkUser"]["exist"], false, "usernames are case-sensitive");

    let password =
        "query($u: UserRef!, $p: String!) { account { checkPassword(user: $u, password: $p) { correct message } } }";
    let answer = account(&app, password, "alice@localhost", json!({ "p": "secret123" })).await;
    assert_eq!(answer.data()["account"]["checkPassword"], json!({ "correct": true, "message": "Password is correct" }));
    let answer = account(&app, password, "alice@localhost", json!({ "p": "wrong" })).await;
    assert_eq!(answer.data()["account"]["checkPassword"]["correct"], false);
    let answer = account(&app, password, "nobody@localhost", json!({ "p": "x" })).await;
    assert_eq!(answer.error_code(), "user_does_not_exist");
    assert!(answer.error_message().contains("not exist"));
    assert_eq!(answer.body["errors"][0]["extensions"]["user"], "nobody@localhost");
    let answer = account(&app, password, "@localhost", json!({ "p": "x" })).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_code(), "input_coercion");

    let remove = "mutation($u: UserRef!) { account { removeUser(user: $u) { user message } } }";
    let answer = account(&app, remove, "alice@localhost", json!({})).await;
    assert_eq!(answer.data()["account"]["removeUser"]["message"], "User alice@localhost successfully unregistered");
    let answer = account(&app, remove, "alice@localhost", json!({})).await;
    assert!(answer.error_message().contains("not exist"));
    assert_eq!(app.login("alice", "secret123").await.error_message(), "Invalid identifier or password");
}

#[tokio::test]
async fn a_banned_user_cannot_log_in_and_her_old_token_is_refused() {
    let app = spawn_app().await;
    let jwt = app.register("carol", "secret123").await;
    assert_eq!(app.user().bearer(&jwt).query(ME, json!({})).await.data()["me"]["username"], "carol");

    let ban = "mutation($u: UserRef!) { account { banUser(user: $u, reason: \"spam\") { message } } }";
    let answer = account(&app, ban, "carol@localhost", json!({})).await;
    assert_eq!(answer.data()["account"]["banUser"]["message"], "User carol@localhost successfully banned");
    assert_eq!(
        app.login("carol", "secret123").await.error_message(),
        "Your account has been blocked by an administrator"
    );
    let answer = app.user().bearer(&jwt).query(ME, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let answer = account(&app, ban, "nobody@localhost", json!({})).await;
    assert!(answer.error_message().contains("not exist"));

    let events = app
        .admin()
        .query(
            "{ audit { listEvents(domain: \"localhost\", types: [USER_BLOCKED]) { user actor details } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        events.data()["audit"]["listEvents"],
        json!([{ "user": "carol@localhost", "actor": "global_admin", "details": { "reason": "spam" } }])
    );

    let unban = "mutation($u: UserRef!) { account { unbanUser(user: $u) { message } } }";
    account(&app, unban, "carol@localhost", json!({})).await.data();
    assert!(app.login("carol", "secret123").await.data()["login"]["jwt"].is_string());
    // The token from before the ban stays revoked.
    assert_eq!(app.user().bearer(&jwt).query(ME, json!({})).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn passwords_roles_confirmation_and_tokens() {
    let app = spawn_app().await;
    let jwt = app.register("dora", "secret123").await;

    let change =
        "mutation($u: UserRef!, $p: String!) { account { changeUserPassword(user: $u, newPassword: $p) { message } } }";
    let answer = account(&app, change, "dora@localhost", json!({ "p": "" })).await;
    assert_eq!(answer.error_message(), "Empty password");
    let answer = account(&app, change, "dora@localhost", json!({ "p": "another-secret" })).await;
    assert_eq!(answer.data()["account"]["changeUserPassword"]["message"], "Password changed");
    assert_eq!(app.login("dora", "secret123").await.error_message(), "Invalid identifier or password");
    assert!(app.login("dora", "another-secret").await.data()["login"]["jwt"].is_string());
    assert_eq!(app.user().bearer(&jwt).query(ME, json!({})).await.status, StatusCode::UNAUTHORIZED);
    let answer = account(&app, change, "nobody@localhost", json!({ "p": "another-secret" })).await;
    assert!(answer.error_message().contains("does not exist"));

    let create = "mutation { role { createRole(domain: \"localhost\", name: \"Editor\", permissions: [\"api::article.article.update\"]) { type permissions userCount } } }";
    assert_eq!(
        app.admin().query(create, json!({})).await.data()["role"]["createRole"],
        json!({ "type": "editor", "permissions": ["api::article.article.update"], "userCount": 0 })
    );
    let set_role = "mutation($u: UserRef!, $r: String!) { account { setUserRole(user: $u, role: $r) { message } } }";
    account(&app, set_role, "dora@localhost", json!({ "r": "editor" })).await.data();
    let user = account(&app, GET_USER, "dora@localhost", json!({})).await;
    assert_eq!(user.data()["account"]["getUser"]["role"]["type"], "editor");
    let answer = account(&app, set_role, "dora@localhost", json!({ "r": "boss" })).await;
    assert_eq!(answer.error_code(), "role_not_found");

    // A user who has not confirmed her email, confirmed by the admin.
    let settings = "mutation { domain { updateDomainSettings(domain: \"localhost\", settings: {emailConfirmation: true}) { emailConfirmation } } }";
    app.admin().query(settings, json!({})).await.data();
    let answer = app
        .user()
        .query("mutation { register(input: {username: \"eli\", email: \"eli@example.com\", password: \"secret123\"}) { jwt } }", json!({}))
        .await;
    assert_eq!(answer.data()["register"]["jwt"], Value::Null);
    assert_eq!(app.login("eli", "secret123").await.error_message(), "Your account email is not confirmed");
    let request = "mutation($u: UserRef!) { token { requestToken(user: $u) { jwt expiresAt } } }";
    assert_eq!(account(&app, request, "eli@localhost", json!({})).await.error_code(), "not_allowed");
    let confirm = "mutation($u: UserRef!) { account { confirmUser(user: $u) { message } } }";
    account(&app, confirm, "eli@localhost", json!({})).await.data();
    assert!(app.login("eli", "secret123").await.data()["login"]["jwt"].is_string());

    // A token issued by the admin works on the user API until it is revoked.
    let answer = account(&app, request, "eli@localhost", json!({})).await;
    let token = answer.data()["token"]["requestToken"]["jwt"].as_str().unwrap().to_string();
    assert!(answer.data()["token"]["requestToken"]["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(app.user().bearer(&token).query(ME, json!({})).await.data()["me"]["username"], "eli");
    let revoke = "mutation($u: UserRef!) { token { revokeToken(user: $u) } }";
    assert_eq!(account(&app, revoke, "eli@localhost", json!({})).await.data()["token"]["revokeToken"], "Revoked");
    assert_eq!(app.user().bearer(&token).query(ME, json!({})).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(account(&app, revoke, "nobody@localhost", json!({})).await.error_code(), "user_does_not_exist");
    let kinds: Vec<Value> = app
        .admin()
        .query(
            "{ audit { listEvents(domain: \"localhost\", types: [TOKEN_ISSUED, TOKEN_REVOKED]) { type actor } } }",
            json!({}),
        )
        .await
        .data()["audit"]["listEvents"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        kinds,
        [
            json!({ "type": "TOKEN_REVOKED", "actor": "global_admin" }),
            json!({ "type": "TOKEN_ISSUED", "actor": "global_admin" })
        ]
    );
}

#[tokio::test]
async fn roles_are_managed_by_type() {
    let app = spawn_app().await;
    enable_domain_admin(&app, "localhost", "domain-secret").await;
    let admin = || domain_admin(&app, "localhost", "domain-secret");
    app.register("finn", "secret123").await;

    let list = "{ role { listRoles(domain: \"localhost\") { id name type userCount } } }";
    assert_eq!(
        admin().query(list, json!({})).await.data()["role"]["listRoles"],
        json!([
            { "id": "1", "name": "Authenticated", "type": "authenticated", "userCount": 1 },
            { "id": "2", "name": "Public", "type": "public", "userCount": 0 },
        ])
    );
    let get = "{ role { getRole(domain: \"localhost\", role: \"public\") { name permissions } } }";
    let public = admin().query(get, json!({})).await;
    assert!(
        public.data()["role"]["getRole"]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("plugin::users-permissions.auth.register"))
    );
    let missing =
        admin().query("{ role { getRole(domain: \"localhost\", role: \"ghost\") { name } } }", json!({})).await;
    assert_eq!(missing.error_code(), "role_not_found");
    let actions = admin().query("{ role { listActions } }", json!({})).await;
    assert!(
        actions.data()["role"]["listActions"].as_array().unwrap().contains(&json!("plugin::users-permissions.user.me"))
    );

    let mutations = [
        (
            "mutation { role { createRole(domain: \"localhost\", name: \"Moderator\", description: \"Keeps order\") { type description } } }",
            json!({ "createRole": { "type": "moderator", "description": "Keeps order" } }),
        ),
        (
            "mutation { role { updateRole(domain: \"localhost\", role: \"moderator\", name: \"Moderators\") { name type } } }",
            json!({ "updateRole": { "name": "Moderators", "type": "moderator" } }),
        ),
        (
            "mutation { role { setRolePermissions(domain: \"localhost\", role: \"moderator\", actions: [\"api::post.post.delete\", \"api::post.post.find\"]) { permissions } } }",
            json!({ "setRolePermissions": { "permissions": ["api::post.post.delete", "api::post.post.find"] } }),
        ),
        (
            "mutation { role { deleteRole(domain: \"localhost\", role: \"authenticated\") } }",
            json!({ "deleteRole": "Role authenticated deleted" }),
        ),
    ];
    for (document, expected) in mutations {
        assert_eq!(admin().query(document, json!({})).await.data()["role"], expected, "{document}");
    }
    // The deleted role's user moved to Public.
    let user = domain_admin(&app, "localhost", "domain-secret").query(GET_USER, json!({ "u": "finn@localhost" })).await;
    assert_eq!(user.data()["account"]["getUser"]["role"]["type"], "public");
    let answer =
        admin().query("mutation { role { deleteRole(domain: \"localhost\", role: \"public\") } }", json!({})).await;
    assert_eq!(answer.error_code(), "not_allowed");
    assert_eq!(answer.error_message(), "Cannot delete public role");
    let answer = admin()
        .query("mutation { role { createRole(domain: \"localhost\", name: \"Moderator\") { type } } }", json!({}))
        .await;
    assert_eq!(answer.error_code(), "exists");
}

#[tokio::test]
async fn email_templates_are_read_and_replaced() {
    let app = spawn_app().await;
    let list = "{ domain { emailTemplates(domain: \"localhost\") { kind subject } } }";
    assert_eq!(
        app.admin().query(list, json!({})).await.data()["domain"]["emailTemplates"],
        json!([
            { "kind": "RESET_PASSWORD", "subject": "Reset password" },
            { "kind": "EMAIL_CONFIRMATION", "subject": "Account confirmation" },
        ])
    );
    let set = "mutation { domain { setEmailTemplate(domain: \"localhost\", kind: RESET_PASSWORD, subject: \"Your new password\", text: \"Go to <%= URL %>?code=<%= TOKEN %>\", html: \"<p><%= URL %>?code=<%= TOKEN %></p>\") { kind subject } } }";
    let answer = app.admin().query(set, json!({})).await;
    assert_eq!(
        answer.data()["domain"]["setEmailTemplate"],
        json!({ "kind": "RESET_PASSWORD", "subject": "Your new password" })
    );
    assert_eq!(
        app.admin().query(list, json!({})).await.data()["domain"]["emailTemplates"][0]["subject"],
        "Your new password"
    );

    // The user API's reset mail uses it.
    let settings = "mutation { domain { updateDomainSettings(domain: \"localhost\", settings: {emailResetPassword: \"https://app.test/reset\"}) { emailResetPassword } } }";
    app.admin().query(settings, json!({})).await.data();
    app.register("gina", "secret123").await;
    app.user().query("mutation { forgotPassword(email: \"gina@example.com\") { ok } }", json!({})).await.data();
    let mails = crate::user_support::outbox_mails(&app, 1).await;
    assert!(mails[0].contains("Subject: Your new password"), "{}", mails[0]);
    assert!(mails[0].contains("Go to https://app.test/reset?code="));
}

#[tokio::test]
async fn import_users_with_plain_and_hashed_passwords() {
    let app = spawn_app().await;
    app.register("old", "secret123").await;
    let hash = gatehouse_core::password::hash_now("hashed-secret").unwrap();
    let users = json!([
        { "username": "plain", "email": "plain@example.com", "password": "plain-secret" },
        { "username": "hashed", "email": "hashed@example.com", "passwordHash": hash, "role": "public" },
        { "username": "old", "email": "someone-else@example.com", "password": "whatever1" },
        { "username": "x", "email": "x@example.com", "password": "secret123" },
        { "username": "blocked", "password": "secret123", "blocked": true },
    ]);
    let import = "mutation($d: DomainName!, $u: [ImportUserInput!]!) { account { importUsers(domain: $d, users: $u) { created existing invalid createdUsers existingUsers invalidUsers { line reason } } } }";
    let answer = app.admin().query(import, json!({ "d": "localhost", "u": users })).await;
    let summary = &answer.data()["account"]["importUsers"];
    assert_eq!(summary["created"], 3);
    assert_eq!(summary["createdUsers"], json!(["plain@localhost", "hashed@localhost", "blocked@localhost"]));
    assert_eq!(summary["existingUsers"], json!(["old@localhost"]));
    assert_eq!(summary["invalid"], 1);
    assert_eq!(summary["invalidUsers"][0]["line"], 4);
    assert!(summary["invalidUsers"][0]["reason"].as_str().unwrap().contains("username"), "{summary}");
    assert!(app.login("plain", "plain-secret").await.data()["login"]["jwt"].is_string());
    let hashed = app.login("hashed", "hashed-secret").await;
    assert_eq!(hashed.data()["login"]["user"]["role"]["type"], "public");
    assert_eq!(app.login("old", "secret123").await.status, StatusCode::OK, "existing users are left as they were");
    assert!(app.login("old", "secret123").await.data()["login"]["jwt"].is_string());
    assert_eq!(
        app.login("blocked", "secret123").await.error_message(),
        "Your account has been blocked by an administrator"
    );

    // The same through `gatehouse admin`, built from this schema's introspection.
    let dir = tempfile::tempdir().unwrap();
    let config = crate::cli_support::write_config(&app, dir.path());
    let args = [
        "admin",
        "account",
        "importUsers",
        "--domain",
        "localhost",
        "--users",
        r#"[{"username":"viacli","password":"cli-secret"}]"#,
    ];
    let run = crate::cli_support::gatehouse(&config, &args).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"]["account"]["importUsers"]["createdUsers"], json!(["viacli@localhost"]));
    let run =
        crate::cli_support::gatehouse(&config, &["admin", "account", "countUsers", "--domain", "localhost"]).await;
    assert_eq!(run.json()["data"]["account"]["countUsers"], 5);
    assert!(app.login("viacli", "cli-secret").await.data()["login"]["jwt"].is_string());
}
