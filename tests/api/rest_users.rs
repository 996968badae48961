//! REST `/api/users...`: the current user (`strapi-rest.md` §2.C) and the CRUD of users
//! (§2.D.1, §2.D.4–§2.D.6), each behind its permission.

use serde_json::{Value, json};

use crate::rest_support::{P, ROLE_KEYS, USER_KEYS, assert_user, keys, manager, register, rest};
use crate::user_support::{grant, set_settings};
use gatehouse_testkit::spawn_app;

#[tokio::test]
async fn me_and_its_refusals() {
    let app = spawn_app().await;
    let (jwt, id) = register(&app, "alice").await;
    let me = rest(&app).bearer(&jwt).get("/users/me").await;
    assert_user(me.ok(200), "alice");
    assert_eq!(me.body["id"], id);
    // No role unless populated, and populated only for a caller that may read roles.
    assert_user(rest(&app).bearer(&jwt).get("/users/me?populate=role").await.ok(200), "alice");
    rest(&app).get("/users/me").await.forbidden();
    rest(&app).bearer("abc.def.ghi").get("/users/me").await.plain_error(
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
    for header in [format!("bearer {jwt}"), format!("Bearer  {jwt}")] {
        assert_user(rest(&app).header("authorization", &header).get("/users/me").await.ok(200), "alice");
    }
    for header in [format!("Bearer {jwt} x"), "Bearer".to_string()] {
        rest(&app).header("authorization", &header).get("/users/me").await.forbidden();
    }
    // Basic credentials (`user@domain:password`) are the user's too.
    let basic = rest(&app).basic("alice@localhost", "Passw0rd!").get("/users/me").await;
    assert_user(basic.ok(200), "alice");
    let wrong = rest(&app).basic("alice@localhost", "wrong").get("/users/me").await;
    wrong.plain_error(401, "UnauthorizedError", "Missing or invalid credentials");

    grant(&app, "authenticated", &[&format!("{P}role.find")]).await;
    let me = rest(&app).bearer(&jwt).get("/users/me?populate=role").await;
    let me = me.ok(200);
    assert_eq!(keys(me)[..10], USER_KEYS);
    assert_eq!(keys(&me["role"]), ROLE_KEYS);
    assert_eq!(me["role"]["type"], "authenticated");
    assert_eq!(me["role"]["description"], "Default role given to authenticated user.");
    let only = rest(&app).bearer(&jwt).get("/users/me?fields=username&populate[role][fields][0]=name").await;
    assert_eq!(
        only.ok(200),
        &json!({ "id": id, "documentId": me["documentId"], "username": "alice", "role": { "id": 1, "documentId": me["role"]["documentId"], "name": "Authenticated" } })
    );
}

#[tokio::test]
async fn every_users_route_needs_its_action() {
    let app = spawn_app().await;
    let (jwt, id) = register(&app, "alice").await;
    for caller in [rest(&app), rest(&app).bearer(&jwt)] {
        caller.get("/users").await.forbidden();
        caller.get("/users/count").await.forbidden();
        caller.get(&format!("/users/{id}")).await.forbidden();
        caller.post("/users", json!({ "username": "x" })).await.forbidden();
        caller.put(&format!("/users/{id}"), json!({ "username": "x" })).await.forbidden();
        caller.delete(&format!("/users/{id}")).await.forbidden();
    }
    // An invalid body is refused for lack of permission first.
    rest(&app).raw(reqwest::Method::POST, "/users", "application/json", "{}").await.forbidden();
    // Granted to the Public role, anonymous callers may.
    grant(&app, "public", &[&format!("{P}user.count")]).await;
    assert_eq!(rest(&app).get("/users/count").await.ok(200), &json!(1));
}

#[tokio::test]
async fn create_users() {
    let app = spawn_app().await;
    let jwt = manager(&app, "alice").await;
    let create = |body: Value| rest(&app).bearer(&jwt).post("/users", body);
    let reply =
        create(json!({ "username": "bob", "email": "Bob@Example.com", "password": "Passw0rd!", "role": 1 })).await;
    let bob = reply.ok(201);
    assert_eq!(keys(bob)[..10], USER_KEYS);
    assert_eq!((bob["email"].as_str(), bob["confirmed"].as_bool()), (Some("bob@example.com"), Some(false)));
    assert_eq!(keys(&bob["role"]), ROLE_KEYS);
    assert_eq!((bob["role"]["id"].as_i64(), bob["role"]["type"].as_str()), (Some(1), Some("authenticated")));
    let reply = create(json!({ "username": "carol", "email": "carol@example.com", "password": "Passw0rd!", "role": 2, "confirmed": true, "blocked": true })).await;
    let carol = reply.ok(201);
    assert_eq!((carol["confirmed"].as_bool(), carol["blocked"].as_bool()), (Some(true), Some(true)));
    assert_eq!(carol["role"]["type"], "public");
    let public = carol["role"]["documentId"].as_str().unwrap().to_string();
    let reply =
        create(json!({ "username": "dave", "email": "dave@example.com", "password": "Passw0rd!", "role": public }))
            .await;
    assert_eq!(reply.ok(201)["role"]["id"], 2);
    let reply = create(json!({ "username": "dave2", "email": "dave2@example.com", "password": "Passw0rd!", "role": { "connect": [{ "id": 2 }] } })).await;
    assert_eq!(reply.ok(201)["role"]["id"], 2);
    // Unknown attributes are dropped.
    let reply = create(json!({ "username": "dave3", "email": "dave3@example.com", "password": "Passw0rd!", "role": "1", "unknownField": 1 })).await;
    assert!(reply.ok(201).get("unknownField").is_none());
    // Without a role: the domain's default role (Strapi's schema asks for one).
    let reply = create(json!({ "username": "erin", "email": "erin@example.com", "password": "Passw0rd!" })).await;
    assert_eq!(reply.ok(201)["role"]["type"], "authenticated");

    let unknown = create(json!({ "username": "xy1", "email": "xy1@example.com", "password": "Passw0rd!", "role": { "connect": [{ "documentId": "nonexistentdocid000000000" }] } })).await;
    unknown.plain_error(
        400,
        "ApplicationError",
        "Document with id \"nonexistentdocid000000000\", locale \"null\" not found",
    );
    let empty = create(
        json!({ "username": "xy1", "email": "xy1@example.com", "password": "Passw0rd!", "role": { "connect": [] } }),
    )
    .await;
    let details = empty.error(400, "ValidationError", "Users must have a role");
    assert_eq!(
        details,
        &json!({ "errors": [{ "path": ["role", "connect"], "message": "Users must have a role", "name": "ValidationError", "value": [] }] })
    );
    let taken =
        create(json!({ "username": "xy1", "email": "bob@example.com", "password": "Passw0rd!", "role": 1 })).await;
    taken.plain_error(400, "ApplicationError", "Email already taken");
    let taken =
        create(json!({ "username": "bob", "email": "bob2@example.com", "password": "Passw0rd!", "role": 1 })).await;
    taken.plain_error(400, "ApplicationError", "Username already taken");
    let short = create(json!({ "username": "xy1", "email": "xy1@example.com", "password": "123", "role": 1 })).await;
    short.error(400, "ValidationError", "password must be at least 6 characters");
    let invalid = create(json!({ "username": "xy1", "email": "nope", "password": "Passw0rd!", "role": 1 })).await;
    invalid.error(400, "ValidationError", "email must be a valid email");
    // Strapi's schema also asks for a role; Gatehouse gives the default one.
    let empty = create(json!({})).await;
    let details = empty.error(400, "ValidationError", "2 errors occurred");
    let required = |field: &str| json!({ "path": [field], "message": format!("{field} is a required field"), "name": "ValidationError" });
    assert_eq!(details, &json!({ "errors": [required("email"), required("username")] }));
    assert_eq!(rest(&app).bearer(&jwt).get("/users/count").await.ok(200), &json!(7));

    // A caller without role.find gets the user without its role.
    let domain = crate::user_support::domain(&app).await;
    let core = &app.app.core;
    let role = core.roles().role_by_type(&domain, "authenticated").await.unwrap().unwrap();
    let kept: Vec<String> = core
        .roles()
        .role_permissions(&role)
        .await
        .unwrap()
        .iter()
        .map(|a| a.as_str().to_string())
        .filter(|a| *a != format!("{P}role.find"))
        .collect();
    core.roles()
        .update_role(&domain, role.id, None, None, Some(kept), gatehouse_core::events::Actor::GlobalAdmin)
        .await
        .unwrap();
    let reply =
        create(json!({ "username": "frank", "email": "frank@example.com", "password": "Passw0rd!", "role": 1 })).await;
    assert_eq!(keys(reply.ok(201)), USER_KEYS);
}

#[tokio::test]
async fn find_one_update_and_delete() {
    let app = spawn_app().await;
    let jwt = manager(&app, "alice").await;
    let (bob_jwt, bob) = register(&app, "bob").await;
    let caller = || rest(&app).bearer(&jwt);
    let found = caller().get(&format!("/users/{bob}")).await;
    assert_user(found.ok(200), "bob");
    let document_id = found.body["documentId"].as_str().unwrap().to_string();
    let populated = caller().get(&format!("/users/{bob}?populate=role")).await;
    assert_eq!(populated.ok(200)["role"]["type"], "authenticated");
    for path in [format!("/users/{document_id}"), "/users/9999".to_string()] {
        let reply = caller().get(&path).await;
        assert_eq!((reply.status.as_u16(), &reply.body), (204, &json!("")));
        assert!(reply.header("content-type").is_none());
    }

    let update = |body: Value| caller().put(&format!("/users/{bob}"), body);
    let reply = update(json!({ "username": "bobby", "email": "BOBBY@example.com" })).await;
    let bobby = reply.ok(200);
    assert_eq!((bobby["username"].as_str(), bobby["email"].as_str()), (Some("bobby"), Some("bobby@example.com")));
    assert_eq!(bobby["role"]["type"], "authenticated", "the answer has the role");
    assert_eq!(update(json!({ "role": { "connect": [{ "id": 2 }] } })).await.ok(200)["role"]["type"], "public");
    let details = update(json!({ "role": { "disconnect": [{ "id": 2 }] } })).await;
    let details = details.error(400, "ValidationError", "Cannot remove role");
    assert_eq!(
        details["errors"][0],
        json!({ "path": ["role", "disconnect"], "message": "Cannot remove role", "name": "ValidationError", "value": [{ "id": 2 }] })
    );
    for password in [json!(""), Value::Null] {
        update(json!({ "password": password })).await.plain_error(400, "ValidationError", "password.notNull");
    }
    update(json!({ "username": "alice" })).await.plain_error(400, "ApplicationError", "Username already taken");
    update(json!({ "email": "alice@example.com" })).await.plain_error(400, "ApplicationError", "Email already taken");
    update(json!({ "email": "nope" })).await.error(400, "ValidationError", "email must be a valid email");
    update(json!({ "password": "abc" })).await.error(400, "ValidationError", "password must be at least 6 characters");
    caller().put("/users/9999", json!({ "username": "zz" })).await.plain_error(404, "NotFoundError", "User not found");
    caller().put(&format!("/users/{document_id}"), json!({ "username": "zz" })).await.plain_error(
        404,
        "NotFoundError",
        "User not found",
    );
    let reply = update(json!({ "blocked": true, "confirmed": true })).await;
    assert_eq!((reply.ok(200)["blocked"].as_bool(), reply.body["confirmed"].as_bool()), (Some(true), Some(true)));
    assert_eq!(
        rest(&app).bearer(&bob_jwt).get("/users/me").await.status.as_u16(),
        401,
        "a blocked user's token is refused"
    );

    let deleted = caller().delete(&format!("/users/{bob}")).await;
    assert_eq!(keys(deleted.ok(200)), USER_KEYS, "without its role");
    assert_eq!(deleted.body["username"], "bobby");
    let again = caller().delete(&format!("/users/{bob}")).await;
    assert_eq!((again.status.as_u16(), &again.body), (204, &json!("")));
    assert_eq!(caller().delete("/users/not-a-number").await.status.as_u16(), 204);
    assert_eq!(rest(&app).bearer(&bob_jwt).get("/users/me").await.status.as_u16(), 401);
}

#[tokio::test]
async fn an_email_update_is_lower_cased_and_checked_only_as_the_domain_says() {
    let app = spawn_app().await;
    let jwt = manager(&app, "alice").await;
    let (_, bob) = register(&app, "bob").await;
    set_settings(&app, |s| s.unique_email = false).await;
    let reply = rest(&app).bearer(&jwt).put(&format!("/users/{bob}"), json!({ "email": "ALICE@example.com" })).await;
    assert_eq!(reply.ok(200)["email"], "alice@example.com");
    let reply = rest(&app)
        .bearer(&jwt)
        .post("/users", json!({ "username": "dup", "email": "ALICE@example.com", "password": "Passw0rd!", "role": 1 }))
        .await;
    assert_eq!(reply.ok(201)["email"], "alice@example.com");
}
