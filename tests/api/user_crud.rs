//! User and role CRUD over the user API: Strapi's GraphQL test cases, ids and documentIds,
//! permission enforcement on every operation and on guarded relations, roles and their users.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::user_support::{domain, grant, register, seed_user, user_id};
use gatehouse_testkit::{TestApp, spawn_app};

const UPDATE_USER: &str = "mutation($id: ID!, $data: UsersPermissionsUserInput!) { updateUsersPermissionsUser(id: $id, data: $data) { data { documentId username email confirmed blocked } } }";
const DELETE_USER: &str =
    "mutation($id: ID!) { deleteUsersPermissionsUser(id: $id) { data { documentId username email } } }";
const CREATE_USER: &str = "mutation($data: UsersPermissionsUserInput!) { createUsersPermissionsUser(data: $data) { data { documentId username email confirmed } } }";
const FIND_USER: &str = "query($id: ID!) { usersPermissionsUser(documentId: $id) { documentId username } }";
const FIND_USERS: &str = "{ usersPermissionsUsers { username } }";
const CREATE_ROLE: &str =
    "mutation($data: UsersPermissionsRoleInput!) { createUsersPermissionsRole(data: $data) { ok } }";
const UPDATE_ROLE: &str =
    "mutation($id: ID!, $data: UsersPermissionsRoleInput!) { updateUsersPermissionsRole(id: $id, data: $data) { ok } }";
const DELETE_ROLE: &str = "mutation($id: ID!) { deleteUsersPermissionsRole(id: $id) { ok } }";
const FIND_ROLE: &str = "query($id: ID!) { usersPermissionsRole(documentId: $id) { documentId name type } }";
const FIND_ROLES: &str = "{ usersPermissionsRoles(sort: \"name\") { name type } }";

const P: &str = "plugin::users-permissions.";

/// Registers `username` and returns its JWT and numeric id.
async fn signed_up(app: &TestApp, username: &str) -> (String, String) {
    let answer = register(app, username).await;
    let payload = &answer.data()["register"];
    (payload["jwt"].as_str().unwrap().to_string(), user_id(payload))
}

#[tokio::test]
async fn strapi_graphql_cases_register_login_update_delete() {
    let app = spawn_app().await;
    grant(&app, "authenticated", &[&format!("{P}user.update"), &format!("{P}user.destroy")]).await;
    // Case 1: register.
    let answer = app
        .user()
        .query(
            r#"mutation { register(input: {username: "User 1", email: "user1@strapi.io", password: "test1234"}) { jwt user { id email } } }"#,
            json!({}),
        )
        .await;
    let registered = &answer.data()["register"];
    assert!(registered["jwt"].is_string());
    assert!(registered["user"]["id"].is_string(), "user.id is a string");
    assert_eq!(registered["user"]["email"], "user1@strapi.io");
    // Case 2: login by username, provider defaulted.
    let login = app.login("User 1", "test1234").await;
    let jwt = login.data()["login"]["jwt"].as_str().unwrap().to_string();
    let id = login.data()["login"]["user"]["id"].as_str().unwrap().to_string();
    // Case 3: update with the numeric id.
    let answer =
        app.user().bearer(&jwt).query(UPDATE_USER, json!({ "id": id, "data": { "username": "User Test" } })).await;
    let data = &answer.data()["updateUsersPermissionsUser"]["data"];
    assert_eq!(data["username"], "User Test");
    assert_eq!(data["email"], "user1@strapi.io");
    // Case 4: a role given by documentId.
    let me = app.user().bearer(&jwt).query("{ me { documentId role { id } } }", json!({})).await;
    let document_id = me.data()["me"]["documentId"].as_str().unwrap().to_string();
    let core = &app.app.core;
    let authenticated = core.roles().role_by_type(&domain(&app).await, "authenticated").await.unwrap().unwrap();
    let answer = app
        .user()
        .bearer(&jwt)
        .query(UPDATE_USER, json!({ "id": document_id, "data": { "role": authenticated.document_id } }))
        .await;
    assert_eq!(answer.data()["updateUsersPermissionsUser"]["data"]["documentId"], document_id.as_str());
    // Case 5: delete returns the deleted user.
    let answer = app.user().bearer(&jwt).query(DELETE_USER, json!({ "id": document_id })).await;
    let deleted = &answer.data()["deleteUsersPermissionsUser"]["data"];
    assert_eq!(deleted["username"], "User Test");
    assert_eq!(deleted["email"], "user1@strapi.io");
    // The deleted user's token no longer works.
    let me = app.user().bearer(&jwt).query("{ me { id } }", json!({})).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_crud_operation_is_denied_without_its_permission_and_allowed_with_it() {
    let app = spawn_app().await;
    let (jwt, _) = signed_up(&app, "operator").await;
    let target = seed_user(&app, "target", false, None).await.to_string();
    let domain = domain(&app).await;
    let public = app.app.core.roles().role_by_type(&domain, "public").await.unwrap().unwrap();
    let spare = seed_user(&app, "spare", false, None).await.to_string();

    let cases: Vec<(&str, &str, Value, &str)> = vec![
        ("user.find", FIND_USERS, json!({}), "usersPermissionsUsers"),
        ("user.findOne", FIND_USER, json!({ "id": target }), "usersPermissionsUser"),
        (
            "user.create",
            CREATE_USER,
            json!({ "data": { "username": "made", "email": "made@example.com", "password": "secret123" } }),
            "createUsersPermissionsUser",
        ),
        (
            "user.update",
            UPDATE_USER,
            json!({ "id": target, "data": { "blocked": true } }),
            "updateUsersPermissionsUser",
        ),
        ("user.destroy", DELETE_USER, json!({ "id": spare }), "deleteUsersPermissionsUser"),
        ("role.find", FIND_ROLES, json!({}), "usersPermissionsRoles"),
        ("role.findOne", FIND_ROLE, json!({ "id": public.document_id }), "usersPermissionsRole"),
        ("role.createRole", CREATE_ROLE, json!({ "data": { "name": "Editor" } }), "createUsersPermissionsRole"),
        (
            "role.updateRole",
            UPDATE_ROLE,
            json!({ "id": "editor-id", "data": { "description": "Edits" } }),
            "updateUsersPermissionsRole",
        ),
        ("role.deleteRole", DELETE_ROLE, json!({ "id": "editor-id" }), "deleteUsersPermissionsRole"),
    ];
    for (action, document, mut variables, field) in cases {
        if variables["id"] == "editor-id" {
            let editor = app.app.core.roles().role_by_type(&domain, "editor").await.unwrap().unwrap();
            variables["id"] = json!(editor.document_id);
        }
        let denied = app.user().bearer(&jwt).query(document, variables.clone()).await;
        assert_eq!(denied.status, StatusCode::OK);
        assert_eq!(denied.error_message(), "Forbidden access", "{action} without permission");
        assert_eq!(denied.error_code(), "FORBIDDEN");
        assert_eq!(denied.body["errors"][0]["extensions"]["error"]["name"], "ForbiddenError");
        let anonymous = app.user().query(document, variables.clone()).await;
        assert_eq!(anonymous.error_message(), "Forbidden access", "{action} anonymously");

        grant(&app, "authenticated", &[&format!("{P}{action}")]).await;
        let allowed = app.user().bearer(&jwt).query(document, variables).await;
        let data = allowed.data();
        assert!(!data[field].is_null(), "{action} allowed: {}", allowed.body);
    }
    // The effects happened.
    let target = app.app.core.users().user(&domain, target.parse().unwrap()).await.unwrap().unwrap();
    assert!(target.blocked);
    assert!(app.app.core.roles().role_by_type(&domain, "editor").await.unwrap().is_none(), "editor deleted");
    assert!(app.app.core.users().user_by_username(&domain, "made").await.unwrap().is_some());
    assert!(app.app.core.users().user_by_username(&domain, "spare").await.unwrap().is_none());
}

#[tokio::test]
async fn anonymous_callers_act_with_the_public_role() {
    let app = spawn_app().await;
    seed_user(&app, "listed", false, None).await;
    assert_eq!(app.user().query(FIND_USERS, json!({})).await.error_code(), "FORBIDDEN");
    grant(&app, "public", &[&format!("{P}user.find")]).await;
    let answer = app.user().query(FIND_USERS, json!({})).await;
    assert_eq!(answer.data()["usersPermissionsUsers"], json!([{ "username": "listed" }]));
    // Authenticated users do not inherit the Public role's permissions (as in Strapi).
    let (jwt, _) = signed_up(&app, "member").await;
    assert_eq!(app.user().bearer(&jwt).query(FIND_USERS, json!({})).await.error_code(), "FORBIDDEN");
}

#[tokio::test]
async fn the_role_of_a_user_needs_role_find() {
    let app = spawn_app().await;
    seed_user(&app, "someone", false, None).await;
    grant(&app, "public", &[&format!("{P}user.find")]).await;
    let query = "{ usersPermissionsUsers { username role { name type } } }";
    let answer = app.user().query(query, json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["data"]["usersPermissionsUsers"][0]["username"], "someone");
    assert_eq!(answer.body["data"]["usersPermissionsUsers"][0]["role"], Value::Null);
    assert_eq!(answer.error_message(), "Forbidden access");
    assert_eq!(answer.body["errors"][0]["path"], json!(["usersPermissionsUsers", 0, "role"]));
    grant(&app, "public", &[&format!("{P}role.find")]).await;
    let answer = app.user().query(query, json!({})).await;
    assert_eq!(
        answer.data()["usersPermissionsUsers"][0]["role"],
        json!({ "name": "Authenticated", "type": "authenticated" })
    );
}

#[tokio::test]
async fn check_permission_answers_for_the_caller() {
    let app = spawn_app().await;
    let (jwt, _) = signed_up(&app, "writer").await;
    let ask = |action: &str| json!({ "a": action });
    let query = "query($a: String!) { checkPermission(action: $a) }";
    let anonymous = app.user().query(query, ask(&format!("{P}auth.register"))).await;
    assert_eq!(anonymous.data()["checkPermission"], true, "Public may register");
    let anonymous = app.user().query(query, ask(&format!("{P}user.me"))).await;
    assert_eq!(anonymous.data()["checkPermission"], false);
    let article = "api::article.article.update";
    assert_eq!(app.user().bearer(&jwt).query(query, ask(article)).await.data()["checkPermission"], false);
    grant(&app, "authenticated", &[article]).await;
    assert_eq!(app.user().bearer(&jwt).query(query, ask(article)).await.data()["checkPermission"], true);
    assert_eq!(app.user().query(query, ask(article)).await.data()["checkPermission"], false);
}

#[tokio::test]
async fn roles_are_created_updated_and_deleted_with_their_permissions() {
    let app = spawn_app().await;
    let (jwt, _) = signed_up(&app, "admin1").await;
    let actions =
        ["role.find", "role.findOne", "role.createRole", "role.updateRole", "role.deleteRole", "user.findOne"];
    let granted: Vec<String> = actions.iter().map(|a| format!("{P}{a}")).collect();
    grant(&app, "authenticated", &granted.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let call = |document: &'static str, variables: Value| {
        let (app, jwt) = (&app, jwt.clone());
        async move { app.user().bearer(&jwt).query(document, variables).await }
    };

    let answer = call(CREATE_ROLE, json!({ "data": {} })).await;
    assert_eq!(answer.error_message(), "Request body cannot be empty");
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    let answer = call(
        CREATE_ROLE,
        json!({ "data": { "name": "Senior Éditor", "description": "Edits", "permissions": ["api::article.article.find"] } }),
    )
    .await;
    assert_eq!(answer.data()["createUsersPermissionsRole"]["ok"], true);
    let answer = call(CREATE_ROLE, json!({ "data": { "name": "Senior Editor" } })).await;
    assert_eq!(answer.error_code(), "STRAPI_APPLICATION_ERROR", "the type senior_editor exists");
    let answer = call(CREATE_ROLE, json!({ "data": { "name": "Bad", "permissions": ["not an action"] } })).await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");

    let roles = call(FIND_ROLES, json!({})).await;
    assert_eq!(
        roles.data()["usersPermissionsRoles"],
        json!([
            { "name": "Authenticated", "type": "authenticated" },
            { "name": "Public", "type": "public" },
            { "name": "Senior Éditor", "type": "senior_editor" },
        ])
    );
    let domain = domain(&app).await;
    let core = &app.app.core;
    let editor = core.roles().role_by_type(&domain, "senior_editor").await.unwrap().unwrap();
    assert_eq!(core.roles().role_permissions(&editor).await.unwrap(), ["api::article.article.find"]);

    // Omitted permissions are kept; given ones replace the set. Numeric ids work too.
    let answer = call(UPDATE_ROLE, json!({ "id": editor.id.to_string(), "data": { "name": "Editor" } })).await;
    assert_eq!(answer.data()["updateUsersPermissionsRole"]["ok"], true);
    assert_eq!(core.roles().role_permissions(&editor).await.unwrap(), ["api::article.article.find"]);
    let answer = call(
        UPDATE_ROLE,
        json!({ "id": editor.document_id, "data": { "permissions": ["api::article.article.update"] } }),
    )
    .await;
    assert_eq!(answer.data()["updateUsersPermissionsRole"]["ok"], true);
    assert_eq!(core.roles().role_permissions(&editor).await.unwrap(), ["api::article.article.update"]);
    let found = call(FIND_ROLE, json!({ "id": editor.document_id })).await;
    assert_eq!(found.data()["usersPermissionsRole"]["name"], "Editor");
    let answer = call(UPDATE_ROLE, json!({ "id": "999", "data": { "name": "Nobody" } })).await;
    assert_eq!(answer.error_message(), "Role not found");
    assert_eq!(answer.error_code(), "STRAPI_NOT_FOUND_ERROR");

    // The Public role cannot be deleted; users of a deleted role move to Public.
    let public = core.roles().role_by_type(&domain, "public").await.unwrap().unwrap();
    let answer = call(DELETE_ROLE, json!({ "id": public.id.to_string() })).await;
    assert_eq!(answer.error_message(), "Cannot delete public role");
    assert_eq!(answer.error_code(), "STRAPI_APPLICATION_ERROR");
    let member = seed_user(&app, "member", false, Some(editor.id)).await;
    let answer = call(DELETE_ROLE, json!({ "id": editor.document_id })).await;
    assert_eq!(answer.data()["deleteUsersPermissionsRole"]["ok"], true);
    let member = core.users().user(&domain, member).await.unwrap().unwrap();
    assert_eq!(member.role_id, Some(public.id));
    assert_eq!(call(DELETE_ROLE, json!({ "id": editor.document_id })).await.error_message(), "Role not found");
}

#[tokio::test]
async fn user_crud_errors_and_ids() {
    let app = spawn_app().await;
    let (jwt, _) = signed_up(&app, "manager").await;
    let actions = ["user.create", "user.update", "user.destroy", "user.findOne", "role.find"];
    let granted: Vec<String> = actions.iter().map(|a| format!("{P}{a}")).collect();
    grant(&app, "authenticated", &granted.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let call = |document: &'static str, variables: Value| {
        let (app, jwt) = (&app, jwt.clone());
        async move { app.user().bearer(&jwt).query(document, variables).await }
    };
    let create = |username: &str, email: &str| json!({ "data": { "username": username, "email": email, "password": "secret123" } });

    let answer = call(CREATE_USER, create("Newbie", "NEWBIE@example.com")).await;
    let created = &answer.data()["createUsersPermissionsUser"]["data"];
    assert_eq!(created["email"], "newbie@example.com");
    assert_eq!(created["confirmed"], false, "Strapi's default for created users");
    let document_id = created["documentId"].as_str().unwrap().to_string();
    let answer = call(CREATE_USER, create("Other", "newbie@example.com")).await;
    assert_eq!(answer.error_message(), "Email already taken");
    assert_eq!(answer.body["data"], Value::Null, "createUsersPermissionsUser is non-null");
    let answer = call(CREATE_USER, create("Newbie", "other@example.com")).await;
    assert_eq!(answer.error_message(), "Username already taken");
    let answer = call(CREATE_USER, create("Other", "not-an-email")).await;
    assert_eq!(answer.error_message(), "email must be a valid email");
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");

    let answer = call(UPDATE_USER, json!({ "id": "424242", "data": { "username": "ghost" } })).await;
    assert_eq!(answer.error_message(), "User not found");
    assert_eq!(answer.error_code(), "STRAPI_NOT_FOUND_ERROR");
    let answer = call(UPDATE_USER, json!({ "id": document_id, "data": { "username": "manager" } })).await;
    assert_eq!(answer.error_message(), "Username already taken");
    let answer = call(UPDATE_USER, json!({ "id": document_id, "data": { "role": "999" } })).await;
    assert_eq!(answer.error_message(), "Role not found");

    // A role given by numeric id, read back through the guarded relation.
    let answer = call(
        "mutation($id: ID!) { updateUsersPermissionsUser(id: $id, data: {role: \"2\"}) { data { role { type } } } }",
        json!({ "id": document_id }),
    )
    .await;
    assert_eq!(answer.data()["updateUsersPermissionsUser"]["data"]["role"]["type"], "public");
    let found = call(FIND_USER, json!({ "id": document_id })).await;
    assert_eq!(found.data()["usersPermissionsUser"]["username"], "Newbie");
    let found = call(FIND_USER, json!({ "id": "nope" })).await;
    assert_eq!(found.data()["usersPermissionsUser"], Value::Null);

    let answer = call(DELETE_USER, json!({ "id": "424242" })).await;
    assert_eq!(answer.data()["deleteUsersPermissionsUser"]["data"], Value::Null, "as in Strapi");
}

#[tokio::test]
async fn blocking_and_password_changes_revoke_earlier_tokens() {
    let app = spawn_app().await;
    let (admin, _) = signed_up(&app, "boss").await;
    grant(&app, "authenticated", &[&format!("{P}user.update")]).await;
    let (victim, victim_id) = signed_up(&app, "worker").await;
    let me = "{ me { username } }";
    assert_eq!(app.user().bearer(&victim).query(me, json!({})).await.data()["me"]["username"], "worker");

    let answer = app
        .user()
        .bearer(&admin)
        .query(UPDATE_USER, json!({ "id": victim_id, "data": { "password": "another1" } }))
        .await;
    answer.data();
    let refused = app.user().bearer(&victim).query(me, json!({})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["error"]["message"], "Missing or invalid credentials");

    let login = app.login("worker", "another1").await;
    let fresh = login.data()["login"]["jwt"].as_str().unwrap().to_string();
    app.user().bearer(&admin).query(UPDATE_USER, json!({ "id": victim_id, "data": { "blocked": true } })).await.data();
    let refused = app.user().bearer(&fresh).query(me, json!({})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // Strapi's answer for a blocked owner, although blocking also revoked the token.
    assert_eq!(refused.body["error"]["message"], "Invalid credentials");
    assert_eq!(
        app.login("worker", "another1").await.error_message(),
        "Your account has been blocked by an administrator"
    );
    // And for an owner deleted since.
    let (doomed, doomed_id) = signed_up(&app, "doomed").await;
    grant(&app, "authenticated", &[&format!("{P}user.destroy")]).await;
    app.user().bearer(&admin).query(DELETE_USER, json!({ "id": doomed_id })).await.data();
    let refused = app.user().bearer(&doomed).query(me, json!({})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["error"]["message"], "Invalid credentials");
}

#[tokio::test]
async fn basic_credentials_on_the_user_endpoint() {
    let app = spawn_app().await;
    signed_up(&app, "scripted").await;
    let me = "{ me { username } }";
    let answer = app.user().basic("scripted@localhost", "secret123").query(me, json!({})).await;
    assert_eq!(answer.data()["me"]["username"], "scripted");
    // Remembered credentials give the same answer.
    let answer = app.user().basic("scripted@localhost", "secret123").query(me, json!({})).await;
    assert_eq!(answer.data()["me"]["username"], "scripted");

    for (user, password) in [
        ("scripted@localhost", "wrong"),
        ("nobody@localhost", "secret123"),
        ("scripted@unknown.test", "secret123"),
        ("scripted", "secret123"),
    ] {
        let answer = app.user().basic(user, password).query(me, json!({})).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{user}");
        assert_eq!(answer.body["error"]["message"], "Missing or invalid credentials");
    }
    // A Host naming another domain than the credentials is refused.
    let answer = app.user().host("other.test").basic("scripted@localhost", "secret123").query(me, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // A password change voids the remembered credentials at once.
    let jwt = app.login("scripted", "secret123").await.data()["login"]["jwt"].as_str().unwrap().to_string();
    app.user()
        .bearer(&jwt)
        .query(
            r#"mutation { changePassword(currentPassword: "secret123", password: "changed1", passwordConfirmation: "changed1") { jwt } }"#,
            json!({}),
        )
        .await
        .data();
    let answer = app.user().basic("scripted@localhost", "secret123").query(me, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let answer = app.user().basic("scripted@localhost", "changed1").query(me, json!({})).await;
    assert_eq!(answer.data()["me"]["username"], "scripted");
}
