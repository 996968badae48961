//! REST `/api/users-permissions/...`: roles and permissions as Strapi 5.54 answers them
//! (`strapi-rest.md` §2.J), each behind its permission.

use serde_json::{Value, json};

use crate::rest_support::{P, ROLE_KEYS, keys, manager, register, rest};
use crate::user_support::seed_user;
use gatehouse_testkit::spawn_app;

/// The actions a role's permission map enables.
fn enabled(map: &Value) -> Vec<String> {
    let mut actions = Vec::new();
    for (namespace, entry) in map.as_object().unwrap() {
        for (controller, entries) in entry["controllers"].as_object().unwrap() {
            for (action, state) in entries.as_object().unwrap() {
                assert_eq!(state["policy"], "", "{state}");
                if state["enabled"] == true {
                    actions.push(format!("{namespace}.{controller}.{action}"));
                }
            }
        }
    }
    actions.sort();
    actions
}

#[tokio::test]
async fn every_roles_route_needs_its_action() {
    let app = spawn_app().await;
    let (jwt, _) = register(&app, "alice").await;
    for caller in [rest(&app), rest(&app).bearer(&jwt)] {
        caller.get("/users-permissions/roles").await.forbidden();
        caller.get("/users-permissions/roles/1").await.forbidden();
        caller.post("/users-permissions/roles", json!({ "name": "x" })).await.forbidden();
        caller.put("/users-permissions/roles/1", json!({ "name": "x" })).await.forbidden();
        caller.delete("/users-permissions/roles/1").await.forbidden();
        caller.get("/users-permissions/permissions").await.forbidden();
    }
}

#[tokio::test]
async fn roles_and_their_permission_maps() {
    let app = spawn_app().await;
    let jwt = manager(&app, "alice").await;
    let caller = || rest(&app).bearer(&jwt);
    let reply = caller().get("/users-permissions/roles").await;
    let roles = &reply.ok(200)["roles"];
    assert_eq!(keys(reply.ok(200)), ["roles"]);
    let mut expected_keys = ROLE_KEYS.to_vec();
    expected_keys.push("nb_users");
    assert_eq!(keys(&roles[0]), expected_keys);
    assert_eq!(
        (roles[0]["id"].as_i64(), roles[0]["name"].as_str(), roles[0]["nb_users"].as_i64()),
        (Some(1), Some("Authenticated"), Some(1))
    );
    assert_eq!(
        (roles[1]["id"].as_i64(), roles[1]["type"].as_str(), roles[1]["nb_users"].as_i64()),
        (Some(2), Some("public"), Some(0))
    );
    assert_eq!(roles[1]["description"], "Default role given to unauthenticated user.");

    let reply = caller().get("/users-permissions/roles/1").await;
    let role = &reply.ok(200)["role"];
    let mut expected_keys = ROLE_KEYS.to_vec();
    expected_keys.push("permissions");
    assert_eq!(keys(role), expected_keys);
    let domain = crate::user_support::domain(&app).await;
    let authenticated = app.app.core.roles().role(&domain, gatehouse_core::RoleId::new(1)).await.unwrap().unwrap();
    let held: Vec<String> = app
        .app
        .core
        .roles()
        .role_permissions(&authenticated)
        .await
        .unwrap()
        .iter()
        .map(|a| a.as_str().to_string())
        .collect();
    let mut held_sorted = held.clone();
    held_sorted.sort();
    assert_eq!(enabled(&role["permissions"]), held_sorted);
    let controllers = &role["permissions"]["plugin::users-permissions"]["controllers"];
    assert_eq!(keys(controllers), ["auth", "user", "role", "permissions"]);
    assert_eq!(keys(&controllers["user"]), ["create", "update", "find", "findOne", "count", "destroy", "me"]);
    let documented = role["documentId"].as_str().unwrap().to_string();
    caller().get("/users-permissions/roles/9999").await.plain_error(404, "NotFoundError", "Role not found");
    caller().get(&format!("/users-permissions/roles/{documented}")).await.plain_error(
        404,
        "NotFoundError",
        "Role not found",
    );

    let reply = caller().get("/users-permissions/permissions").await;
    let all = &reply.ok(200)["permissions"];
    assert!(enabled(all).is_empty());
    assert_eq!(
        all["plugin::users-permissions"]["controllers"]["auth"]["callback"],
        json!({ "enabled": false, "policy": "" })
    );
}

#[tokio::test]
async fn create_update_and_delete_roles() {
    let app = spawn_app().await;
    let jwt = manager(&app, "alice").await;
    let caller = || rest(&app).bearer(&jwt);
    let permissions = json!({
        "plugin::users-permissions": { "controllers": {
            "user": { "find": { "enabled": true, "policy": "" }, "me": { "enabled": true }, "count": { "enabled": false } },
            "auth": { "changePassword": { "enabled": true } }
        } },
        "api::article": { "controllers": { "article": { "find": { "enabled": true } } } }
    });
    let body = json!({ "name": "Éditeur en Chef", "description": "Edits things", "permissions": permissions });
    assert_eq!(caller().post("/users-permissions/roles", body).await.ok(200), &json!({ "ok": true }));
    // The answer has no id: the list has it (the other domain's roles took ids 3 and 4).
    let role_id = |name: &'static str| {
        let list = caller().get("/users-permissions/roles");
        async move {
            let reply = list.await;
            let roles = reply.ok(200)["roles"].as_array().unwrap().clone();
            roles.iter().find(|r| r["name"] == name).and_then(|r| r["id"].as_i64()).expect("the role")
        }
    };
    let editor = role_id("Éditeur en Chef").await;
    let reply = caller().get(&format!("/users-permissions/roles/{editor}")).await;
    let role = &reply.ok(200)["role"];
    assert_eq!((role["name"].as_str(), role["type"].as_str()), (Some("Éditeur en Chef"), Some("editeur_en_chef")));
    assert_eq!(
        enabled(&role["permissions"]),
        [
            "api::article.article.find",
            &format!("{P}auth.changePassword"),
            &format!("{P}user.find"),
            &format!("{P}user.me")
        ]
    );
    assert_eq!(
        role["permissions"]["api::article"],
        json!({ "controllers": { "article": { "find": { "enabled": true, "policy": "" } } } })
    );
    let viewer = json!({ "name": "Viewer", "type": "viewer", "description": "Read only" });
    caller().post("/users-permissions/roles", viewer).await.ok(200);
    let viewer = role_id("Viewer").await;
    let path = format!("/users-permissions/roles/{viewer}");
    caller().post("/users-permissions/roles", json!({})).await.plain_error(
        400,
        "ValidationError",
        "Request body cannot be empty",
    );

    // Update: name and description, `type` ignored, a permissions map replaces the set.
    let update = json!({ "name": "Viewer", "description": "Read only (updated)", "type": "ignored", "permissions": { "plugin::users-permissions": { "controllers": { "user": { "me": { "enabled": true } }, "role": { "find": { "enabled": true } } } } } });
    assert_eq!(caller().put(&path, update).await.ok(200), &json!({ "ok": true }));
    let role = caller().get(&path).await.ok(200)["role"].clone();
    assert_eq!((role["type"].as_str(), role["description"].as_str()), (Some("viewer"), Some("Read only (updated)")));
    assert_eq!(enabled(&role["permissions"]), [format!("{P}role.find"), format!("{P}user.me")]);
    // Without a permissions map the set is kept (Strapi empties it).
    caller().put(&path, json!({ "description": "only description" })).await.ok(200);
    let role = caller().get(&path).await.ok(200)["role"].clone();
    assert_eq!(enabled(&role["permissions"]).len(), 2);
    caller().put("/users-permissions/roles/9999", json!({ "name": "xyz" })).await.plain_error(
        404,
        "NotFoundError",
        "Role not found",
    );
    caller().put(&path, json!({})).await.plain_error(400, "ValidationError", "Request body cannot be empty");

    // Delete: the users move to the Public role.
    let victor = seed_user(&app, "victor", false, Some(gatehouse_core::RoleId::new(viewer))).await;
    let reply = caller().get("/users-permissions/roles").await;
    let counts: Vec<(i64, i64)> = reply.ok(200)["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), r["nb_users"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts, [(1, 1), (2, 0), (editor, 0), (viewer, 1)], "in id order");
    assert_eq!(caller().delete(&path).await.ok(200), &json!({ "ok": true }));
    let moved = caller().get(&format!("/users/{victor}?populate=role&fields=username")).await;
    assert_eq!(moved.ok(200)["role"]["type"], "public");
    caller().delete("/users-permissions/roles/2").await.plain_error(
        400,
        "ApplicationError",
        "Cannot delete public role",
    );
    caller().delete("/users-permissions/roles/9999").await.plain_error(404, "NotFoundError", "Role not found");
    // The Authenticated role can be deleted; registration then has no default role.
    caller().delete("/users-permissions/roles/1").await.ok(200);
    let body = json!({ "username": "orphan", "email": "orphan@example.com", "password": "Passw0rd!" });
    rest(&app).post("/auth/local/register", body).await.plain_error(
        400,
        "ApplicationError",
        "Impossible to find the default role",
    );
}
