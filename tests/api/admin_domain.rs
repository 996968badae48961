//! `domain` and `stat`: the domain lifecycle, static domains, settings, statistics.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{domain_admin, enable_domain_admin};
use gatehouse_testkit::{TestApp, spawn_app};

const DOMAIN_FIELDS: &str = "domain status type";

async fn mutate(app: &TestApp, operation: &str, domain: &str) -> gatehouse_testkit::Answer {
    let document =
        format!("mutation($d: DomainName!) {{ domain {{ {operation}(domain: $d) {{ {DOMAIN_FIELDS} }} }} }}");
    app.admin().query(&document, json!({ "d": domain })).await
}

async fn all_domains(app: &TestApp) -> Value {
    let answer = app.admin().query("{ domain { allDomains { domain status type } } }", json!({})).await;
    answer.data()["domain"]["allDomains"].clone()
}

async fn register_in(app: &TestApp, host: &str, username: &str) -> gatehouse_testkit::Answer {
    app.user()
        .host(host)
        .query(
            "mutation($u: String!, $e: String!) { register(input: {username: $u, email: $e, password: \"secret123\"}) { jwt } }",
            json!({ "u": username, "e": format!("{username}@example.com") }),
        )
        .await
}

#[tokio::test]
async fn the_domain_lifecycle() {
    let app = spawn_app().await;
    let answer = mutate(&app, "addDomain", "Shop.Example").await;
    assert_eq!(
        answer.data()["domain"]["addDomain"],
        json!({ "domain": "shop.example", "status": "ENABLED", "type": "DYNAMIC" })
    );
    assert_eq!(
        all_domains(&app).await,
        json!([
            { "domain": "localhost", "status": "ENABLED", "type": "STATIC" },
            { "domain": "other.test", "status": "ENABLED", "type": "STATIC" },
            { "domain": "shop.example", "status": "ENABLED", "type": "DYNAMIC" },
        ])
    );
    let answer = mutate(&app, "addDomain", "shop.example").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_code(), "duplicate");
    assert_eq!(answer.error_message(), "Domain already exists");
    assert_eq!(answer.body["data"]["domain"]["addDomain"], Value::Null);

    // The new domain has its own users, through the Host header of the user API.
    assert!(register_in(&app, "shop.example", "carol").await.data()["register"]["jwt"].is_string());

    let answer = mutate(&app, "disableDomain", "shop.example").await;
    assert_eq!(answer.data()["domain"]["disableDomain"]["status"], "DISABLED");
    assert_eq!(all_domains(&app).await[2]["status"], "DISABLED");
    let login = app
        .user()
        .host("shop.example")
        .query("mutation { login(input: {identifier: \"carol\", password: \"secret123\"}) { jwt } }", json!({}))
        .await;
    assert_eq!(login.error_message(), "This domain is disabled");
    let answer = mutate(&app, "enableDomain", "shop.example").await;
    assert_eq!(answer.data()["domain"]["enableDomain"]["status"], "ENABLED");

    let answer = mutate(&app, "removeDomain", "shop.example").await;
    assert_eq!(
        answer.data()["domain"]["removeDomain"],
        json!({ "domain": "shop.example", "status": "DELETED", "type": "DYNAMIC" })
    );
    assert_eq!(all_domains(&app).await.as_array().unwrap().len(), 2);
    for operation in ["removeDomain", "enableDomain", "disableDomain"] {
        let answer = mutate(&app, operation, "shop.example").await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.error_code(), "domain_not_found", "{operation}");
        assert!(answer.error_message().starts_with("Given domain does not exist"), "{operation}");
        assert_eq!(answer.body["errors"][0]["extensions"]["domain"], "shop.example");
    }
    // Added again, it starts empty: removing took its users.
    mutate(&app, "addDomain", "shop.example").await.data();
    let answer = app.admin().query("{ account { listUsers(domain: \"shop.example\") } }", json!({})).await;
    assert_eq!(answer.data()["account"]["listUsers"], json!([]));

    let details =
        app.admin().query("{ domain { domainDetails(domain: \"nowhere.test\") { domain } } }", json!({})).await;
    assert_eq!(details.error_code(), "domain_not_found");
}

#[tokio::test]
async fn static_domains_cannot_be_changed_through_the_api() {
    let app = spawn_app().await;
    for operation in ["addDomain", "removeDomain", "enableDomain", "disableDomain"] {
        let answer = mutate(&app, operation, "LOCALHOST").await;
        assert_eq!(answer.status, StatusCode::OK, "{operation}");
        assert_eq!(answer.error_code(), "static", "{operation}");
        assert_eq!(answer.error_message(), "Domain is static", "{operation}");
    }
    assert_eq!(all_domains(&app).await[0], json!({ "domain": "localhost", "status": "ENABLED", "type": "STATIC" }));
}

#[tokio::test]
async fn settings_are_read_and_changed_field_by_field() {
    let app = spawn_app().await;
    enable_domain_admin(&app, "localhost", "domain-secret").await;
    let read = "{ domain { domainSettings(domain: \"localhost\") { allowRegister emailResetPassword passwordMinLength defaultRole } } }";
    let answer = domain_admin(&app, "localhost", "domain-secret").query(read, json!({})).await;
    assert_eq!(
        answer.data()["domain"]["domainSettings"],
        json!({ "allowRegister": true, "emailResetPassword": null, "passwordMinLength": 6, "defaultRole": "authenticated" })
    );
    let update = "mutation($s: DomainSettingsInput!) { domain { updateDomainSettings(domain: \"localhost\", settings: $s) { allowRegister emailResetPassword passwordMinLength defaultRole } } }";
    let answer = domain_admin(&app, "localhost", "domain-secret")
        .query(update, json!({ "s": { "allowRegister": false, "emailResetPassword": "https://app.example/reset" } }))
        .await;
    assert_eq!(
        answer.data()["domain"]["updateDomainSettings"],
        json!({ "allowRegister": false, "emailResetPassword": "https://app.example/reset", "passwordMinLength": 6, "defaultRole": "authenticated" })
    );
    // It takes effect on the user API at once.
    let answer = register_in(&app, "localhost", "dave").await;
    assert_eq!(answer.error_message(), "Register action is currently disabled");
    // Null clears an optional value; an impossible value is refused and changes nothing.
    let answer = domain_admin(&app, "localhost", "domain-secret")
        .query(update, json!({ "s": { "emailResetPassword": null } }))
        .await;
    assert_eq!(answer.data()["domain"]["updateDomainSettings"]["emailResetPassword"], Value::Null);
    let answer = domain_admin(&app, "localhost", "domain-secret")
        .query(update, json!({ "s": { "defaultRole": "nobody", "allowRegister": true } }))
        .await;
    assert_eq!(answer.error_code(), "invalid_input");
    let answer = domain_admin(&app, "localhost", "domain-secret").query(read, json!({})).await;
    assert_eq!(answer.data()["domain"]["domainSettings"]["allowRegister"], false);

    let events = app
        .admin()
        .query(
            "{ audit { listEvents(domain: \"localhost\", types: [SETTINGS_CHANGED]) { actor details } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        events.data()["audit"]["listEvents"],
        json!([
            { "actor": "admin@localhost", "details": { "changed": { "emailResetPassword": null } } },
            { "actor": "admin@localhost", "details": { "changed": { "allowRegister": false, "emailResetPassword": "https://app.example/reset" } } },
        ])
    );
}

#[tokio::test]
async fn statistics_count_users_and_logins() {
    let app = spawn_app().await;
    for name in ["amy", "ben", "cid"] {
        register_in(&app, "localhost", name).await.data();
    }
    register_in(&app, "other.test", "dan").await.data();
    app.login("amy", "secret123").await.data();
    app.login("amy", "wrong-password").await;
    enable_domain_admin(&app, "localhost", "domain-secret").await;
    let query = "{ stat { domainStats(domain: \"localhost\") { registeredUsers confirmedUsers blockedUsers loginsLast24h failedLoginsLast24h } } }";
    let answer = domain_admin(&app, "localhost", "domain-secret").query(query, json!({})).await;
    assert_eq!(
        answer.data()["stat"]["domainStats"],
        json!({ "registeredUsers": 3, "confirmedUsers": 3, "blockedUsers": 0, "loginsLast24h": 1, "failedLoginsLast24h": 1 })
    );
    let answer = app
        .admin()
        .query(
            "{ stat { globalStats { domains registeredUsers loginsLast24h failedLoginsLast24h uptimeSeconds } } }",
            json!({}),
        )
        .await;
    let stats = &answer.data()["stat"]["globalStats"];
    assert_eq!(stats["domains"], 2);
    assert_eq!(stats["registeredUsers"], 4);
    assert_eq!(stats["loginsLast24h"], 1);
    assert!(stats["uptimeSeconds"].as_i64().unwrap() >= 0);
    let answer =
        app.admin().query("{ stat { domainStats(domain: \"nowhere.test\") { registeredUsers } } }", json!({})).await;
    assert_eq!(answer.error_code(), "domain_not_found");
}

#[tokio::test]
async fn users_registered_through_the_user_api_are_listed_in_pages() {
    let app = spawn_app().await;
    for name in ["mia", "Zoe", "bob", "eve"] {
        register_in(&app, "localhost", name).await.data();
    }
    let list = "query($d: DomainName!, $l: PosInt, $i: NonNegInt) { account { listUsers(domain: $d, limit: $l, index: $i) countUsers(domain: $d) } }";
    let answer = app.admin().query(list, json!({ "d": "LocalHost" })).await;
    assert_eq!(
        answer.data()["account"],
        json!({ "listUsers": ["Zoe@localhost", "bob@localhost", "eve@localhost", "mia@localhost"], "countUsers": 4 })
    );
    let answer = app.admin().query(list, json!({ "d": "localhost", "l": 1, "i": 0 })).await;
    assert_eq!(answer.data()["account"]["listUsers"], json!(["Zoe@localhost"]));
    let answer = app.admin().query(list, json!({ "d": "localhost", "l": 2, "i": 1 })).await;
    assert_eq!(answer.data()["account"]["listUsers"], json!(["bob@localhost", "eve@localhost"]));
    let answer = app.admin().query(list, json!({ "d": "localhost", "i": 3 })).await;
    assert_eq!(answer.data()["account"]["listUsers"], json!(["mia@localhost"]));

    let answer = app.admin().query("{ account { listUsers(domain: \"Unknown-Domain.test\") } }", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_code(), "domain_not_found");
    assert!(answer.error_message().contains("Domain does not exist"));
    assert_eq!(answer.body["errors"][0]["path"], json!(["account", "listUsers"]));
    assert_eq!(answer.body["errors"][0]["extensions"]["domain"], "unknown-domain.test");
}

/// The fields of a category run side by side: adding and removing one domain in the same
/// document race, and whichever wins, the answer is clean and no half-made domain is left.
#[tokio::test]
async fn adding_and_removing_a_domain_at_once_leaves_it_whole_or_gone() {
    let app = spawn_app().await;
    let document = "mutation($d: DomainName!) { domain { \
        addDomain(domain: $d) { domain } removeDomain(domain: $d) { domain } } }";
    for round in 0..20 {
        let name = format!("race{round}.test");
        let answer = app.admin().query(document, json!({ "d": name })).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        for error in answer.body["errors"].as_array().into_iter().flatten() {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            assert_eq!(code, "domain_not_found", "round {round}: {}", answer.body);
        }
        let roles = app
            .admin()
            .query("query($d: DomainName!) { role { listRoles(domain: $d) { type } } }", json!({ "d": name }))
            .await;
        match roles.body["data"]["role"]["listRoles"].as_array() {
            // The domain outlived the removal: it has both of its roles.
            Some(roles) => assert_eq!(roles.len(), 2, "round {round}: {}", answer.body),
            None => assert!(!roles.error_code().is_empty(), "round {round}: {}", roles.body),
        }
    }
}
