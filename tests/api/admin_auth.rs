//! Admin authentication: the global admin's configured credentials, domain admins and their
//! password lifecycle, the MongooseIM 401s, and the limit on failed logins.

use reqwest::StatusCode;
use serde_json::json;

use crate::admin_support::{SET_DOMAIN_PASSWORD, domain_admin, enable_domain_admin};
use gatehouse_testkit::{TestApp, spawn_app, spawn_app_with};

const CHECK_AUTH: &str = "{ checkAuth { domain authStatus authType } }";
const ALL_DOMAINS: &str = "{ domain { allDomains { domain } } }";
const ADD_DOMAIN: &str = "mutation($d: DomainName!) { domain { addDomain(domain: $d) { domain status type } } }";

async fn app_with_admin_credentials() -> TestApp {
    spawn_app_with(|config| {
        let admin = config.listen.iter_mut().find(|l| l.handler == gatehouse_server::config::Handler::Admin).unwrap();
        admin.username = Some("root".into());
        admin.password = Some("rootpass".into());
    })
    .await
}

#[tokio::test]
async fn check_auth_tells_each_caller_who_it_is() {
    let app = app_with_admin_credentials().await;
    let answer = app.admin().basic("root", "rootpass").query(CHECK_AUTH, json!({})).await;
    assert_eq!(answer.data()["checkAuth"], json!({ "domain": null, "authStatus": "AUTHORIZED", "authType": "ADMIN" }));

    enable_domain_admin_with(&app, "localhost", "domain-secret").await;
    let answer = domain_admin(&app, "LocalHost", "domain-secret").query(CHECK_AUTH, json!({})).await;
    assert_eq!(
        answer.data()["checkAuth"],
        json!({ "domain": "localhost", "authStatus": "AUTHORIZED", "authType": "DOMAIN_ADMIN" })
    );

    for call in [app.admin(), app.domain_admin(), app.admin().bearer("some.jwt.token")] {
        let answer = call.query(CHECK_AUTH, json!({})).await;
        assert_eq!(
            answer.data()["checkAuth"],
            json!({ "domain": null, "authStatus": "UNAUTHORIZED", "authType": null })
        );
    }
}

/// The listener of `app_with_admin_credentials` needs them to enable a domain admin.
async fn enable_domain_admin_with(app: &TestApp, domain: &str, password: &str) {
    let answer =
        app.admin().basic("root", "rootpass").query(SET_DOMAIN_PASSWORD, json!({ "d": domain, "p": password })).await;
    assert_eq!(answer.data()["domain"]["setDomainPassword"], "Domain password set successfully");
}

#[tokio::test]
async fn an_admin_listener_without_credentials_serves_everyone_as_the_global_admin() {
    let app = spawn_app().await;
    let callers =
        || [app.admin(), app.admin().basic("anyone", "anything"), app.admin().header("authorization", "Basic !!")];
    for call in callers() {
        let answer = call.query(CHECK_AUTH, json!({})).await;
        assert_eq!(answer.data()["checkAuth"]["authType"], "ADMIN");
    }
    for call in callers() {
        let answer = call.query(ALL_DOMAINS, json!({})).await;
        assert_eq!(answer.data()["domain"]["allDomains"][0]["domain"], "localhost");
    }
}

#[tokio::test]
async fn wrong_credentials_are_a_401() {
    let app = app_with_admin_credentials().await;
    enable_domain_admin_with(&app, "localhost", "domain-secret").await;
    let wrong = [
        app.admin().basic("root", "wrong"),
        app.admin().basic("admin", "rootpass"),
        domain_admin(&app, "localhost", "wrong"),
        // A domain that does not exist, one without an admin password, and not `admin@`.
        domain_admin(&app, "nowhere.test", "domain-secret"),
        domain_admin(&app, "other.test", "domain-secret"),
        app.domain_admin().basic("root@localhost", "domain-secret"),
        app.domain_admin().basic("localhost", "domain-secret"),
    ];
    for call in wrong {
        // Even for an open field: wrong credentials are refused before anything runs.
        let answer = call.query(CHECK_AUTH, json!({})).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
        assert_eq!(answer.error_code(), "wrong_credentials");
        assert_eq!(answer.error_message(), "The provided credentials are wrong");
    }
}

#[tokio::test]
async fn a_malformed_authorization_header_is_a_401_request_error() {
    let app = app_with_admin_credentials().await;
    for value in ["Basic YWRtaW46c2VjcmV", "Basic !!!", "basic bm9jb2xvbg=="] {
        for url in [&app.admin_url, &app.domain_admin_url] {
            let request = app.client.post(url).header("authorization", value).json(&json!({ "query": CHECK_AUTH }));
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{value}");
            assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"gatehouse\"");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "request_error", "{value}");
            assert_eq!(
                body["errors"][0]["message"],
                "Malformed authorization header. Please consult the relevant specification"
            );
        }
    }
}

#[tokio::test]
async fn the_domain_admin_lifecycle() {
    let app = spawn_app().await;
    let answer = app.admin().query(ADD_DOMAIN, json!({ "d": "Tenant.Test" })).await;
    assert_eq!(
        answer.data()["domain"]["addDomain"],
        json!({ "domain": "tenant.test", "status": "ENABLED", "type": "DYNAMIC" })
    );

    // A new domain's admin is disabled.
    let answer = domain_admin(&app, "tenant.test", "first-password").query(CHECK_AUTH, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // The global admin enables it.
    enable_domain_admin(&app, "tenant.test", "first-password").await;
    let answer = domain_admin(&app, "tenant.test", "first-password").query(CHECK_AUTH, json!({})).await;
    assert_eq!(answer.data()["checkAuth"]["domain"], "tenant.test");
    let details = "{ domain { domainDetails(domain: \"tenant.test\") { domain adminEnabled } } }";
    let answer = domain_admin(&app, "tenant.test", "first-password").query(details, json!({})).await;
    assert_eq!(answer.data()["domain"]["domainDetails"], json!({ "domain": "tenant.test", "adminEnabled": true }));

    // The domain admin rotates its own password: the old one fails at once.
    let answer = domain_admin(&app, "tenant.test", "first-password")
        .query(SET_DOMAIN_PASSWORD, json!({ "d": "tenant.test", "p": "second-password" }))
        .await;
    assert_eq!(answer.data()["domain"]["setDomainPassword"], "Domain password set successfully");
    let answer = domain_admin(&app, "tenant.test", "first-password").query(CHECK_AUTH, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.error_code(), "wrong_credentials");
    let answer = domain_admin(&app, "tenant.test", "second-password").query(details, json!({})).await;
    assert_eq!(answer.data()["domain"]["domainDetails"]["domain"], "tenant.test");

    // It may not set another domain's password, nor delete its own.
    let answer = domain_admin(&app, "tenant.test", "second-password")
        .query(SET_DOMAIN_PASSWORD, json!({ "d": "localhost", "p": "takeover" }))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let delete = "mutation($d: DomainName!) { domain { deleteDomainPassword(domain: $d) } }";
    let answer =
        domain_admin(&app, "tenant.test", "second-password").query(delete, json!({ "d": "tenant.test" })).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.error_message(), "Cannot execute query ROOT without a global admin permissions");

    // The global admin disables it; deleting again says there is none.
    let answer = app.admin().query(delete, json!({ "d": "tenant.test" })).await;
    assert_eq!(answer.data()["domain"]["deleteDomainPassword"], "Domain password deleted successfully");
    let answer = domain_admin(&app, "tenant.test", "second-password").query(CHECK_AUTH, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let answer = app.admin().query(delete, json!({ "d": "tenant.test" })).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_message(), "Domain password does not exist");
    assert_eq!(answer.error_code(), "not_found");

    // An unknown domain gets no password.
    let answer = app.admin().query(SET_DOMAIN_PASSWORD, json!({ "d": "nowhere.test", "p": "x" })).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_message(), "Given domain does not exist or is disabled");
    assert_eq!(answer.body["data"]["domain"]["setDomainPassword"], serde_json::Value::Null);

    // Removing the domain removes its admin.
    enable_domain_admin(&app, "tenant.test", "third-password").await;
    let remove = "mutation { domain { removeDomain(domain: \"tenant.test\") { status } } }";
    assert_eq!(app.admin().query(remove, json!({})).await.data()["domain"]["removeDomain"]["status"], "DELETED");
    let answer = domain_admin(&app, "tenant.test", "third-password").query(CHECK_AUTH, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failed_logins_from_one_client_are_refused_for_a_while() {
    let app = spawn_app().await;
    enable_domain_admin(&app, "localhost", "domain-secret").await;
    for _ in 0..gatehouse_core::admin_auth::MAX_FAILURES {
        let answer = domain_admin(&app, "localhost", "guess").query(CHECK_AUTH, json!({})).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused, without being looked at.
    let response = app
        .client
        .post(&app.domain_admin_url)
        .basic_auth("admin@localhost", Some("domain-secret"))
        .json(&json!({ "query": CHECK_AUTH }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "too_many_failed_logins");
    // The failures are in the audit log.
    let answer = app
        .admin()
        .query("{ audit { listEvents(domain: \"localhost\", types: [LOGIN_FAILED]) { actor details } } }", json!({}))
        .await;
    let events = answer.data()["audit"]["listEvents"].as_array().unwrap().clone();
    assert_eq!(events.len(), gatehouse_core::admin_auth::MAX_FAILURES as usize);
    assert_eq!(events[0]["details"]["admin"], "domain_admin");
    assert!(!events[0]["details"].to_string().contains("guess"), "no password in the log");
}

#[tokio::test]
async fn both_admin_endpoints_speak_graphql_over_http_with_mongooseim_codes() {
    let app = app_with_admin_credentials().await;
    for url in [&app.admin_url, &app.domain_admin_url] {
        let post = |body: &'static str| {
            app.client
                .post(url.as_str())
                .header("content-type", "application/json")
                .header("accept", "application/graphql-response+json")
                .body(body)
                .send()
        };
        for (body, code) in [
            ("{}", "no_query_supplied"),
            ("", "invalid_json_body"),
            (r#"{"query": "{ checkAuth { authStatus } ", "variables": null}"#, "parser_error"),
            (r#"{"query": "{ checkAuth { nope } }"}"#, "validation_error"),
            (r#"{"query": "{ checkAuth { authStatus } }", "variables": "{1: 2}"}"#, "variables_invalid_json"),
        ] {
            let response = post(body).await.unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{url} {body}");
            let answer: serde_json::Value = response.json().await.unwrap();
            assert_eq!(answer["errors"][0]["extensions"]["code"], code, "{url} {body}: {answer}");
        }
        // GraphiQL on these protected listeners: a browser without credentials is asked for them,
        // wrong credentials are refused, and the page served to the global admin targets this path.
        let page = app.client.get(url.as_str()).header("accept", "text/html").send().await.unwrap();
        assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
        assert!(page.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
        let page = app
            .client
            .get(url.as_str())
            .header("accept", "text/html")
            .basic_auth("admin@localhost", Some("wrong"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
        // Queries over GET, with the same protection.
        let answer = app.client.get(format!("{url}?query={{checkAuth{{authStatus}}}}")).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let answer = app.client.get(format!("{url}?query={{stat{{globalStats{{domains}}}}}}")).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    }
    let page = app.client.get(&app.admin_url).header("accept", "text/html").basic_auth("root", Some("rootpass"));
    let page = page.send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("\"/api/graphql\""));
    // The same GET as the global admin.
    let answer = app.admin().basic("root", "rootpass").get(&[("query", "{ stat { globalStats { domains } } }")]).await;
    assert_eq!(answer.data()["stat"]["globalStats"]["domains"], 2);
}
