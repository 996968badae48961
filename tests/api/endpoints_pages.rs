//! What a browser finds at every endpoint: GraphiQL, its assets, the docs and the SDL.

use reqwest::StatusCode;

use gatehouse_testkit::spawn_app;

async fn get(app: &gatehouse_testkit::TestApp, url: &str, accept: &str) -> reqwest::Response {
    app.client.get(url).header("accept", accept).send().await.expect("request sent")
}

#[tokio::test]
async fn graphiql_targets_the_endpoint_it_is_served_from() {
    let app = spawn_app_with_user_path("/custom/graphql").await;
    let response = get(&app, &app.user_url, "text/html,application/xhtml+xml,*/*;q=0.8").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Gatehouse GraphiQL (user)</title>"), "{html}");
    assert!(html.contains(r#"const endpoint = "/custom/graphql";"#), "the fetcher targets the endpoint's own path");
    assert!(html.contains("endpoint + '/sse'"), "subscriptions go through <path>/sse");
    // A GET with a query is GraphQL, even from a browser.
    let response = get(&app, &format!("{}?query=%7B__typename%7D", app.user_url), "text/html").await;
    assert_ne!(response.headers()["content-type"].to_str().unwrap(), "text/html; charset=utf-8");
}

#[tokio::test]
async fn graphiql_says_why_and_how_to_fix_it_when_its_scripts_cannot_load() {
    let app = spawn_app().await;
    let html = get(&app, &app.user_url, "text/html").await.text().await.unwrap();
    let tags = html.matches(r#"onerror="assetFailed(this)""#).count();
    assert_eq!(tags, gatehouse_http::assets::ALL.len(), "every script and stylesheet reports a failure");
    assert!(html.contains(r#"id="assets-unavailable" hidden"#), "the message, hidden until then");
    if !gatehouse_http::assets::EMBEDDED {
        assert!(html.contains("<code>npm ci</code> in <code>web/</code>"), "how to embed the files");
    }
    assert!(html.contains("<noscript"), "a browser without JavaScript is told too");
}

async fn spawn_app_with_user_path(path: &str) -> gatehouse_testkit::TestApp {
    let path = path.to_string();
    gatehouse_testkit::spawn_app_with(move |config| {
        for listener in &mut config.listen {
            if listener.handler == gatehouse_server::config::Handler::User {
                listener.path = Some(path.clone());
            }
        }
    })
    .await
}

#[tokio::test]
async fn graphiql_assets_are_served_by_gatehouse_or_a_pinned_cdn() {
    let app = spawn_app().await;
    let html = get(&app, &app.user_url, "text/html").await.text().await.unwrap();
    for asset in gatehouse_http::assets::ALL {
        let url = asset.url("/graphql");
        assert!(html.contains(&url), "{url}");
        if gatehouse_http::assets::EMBEDDED {
            let base = app.user_url.trim_end_matches("/graphql");
            let response = get(&app, &format!("{base}{url}"), "*/*").await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
            assert_eq!(response.headers()["content-type"], asset.content_type);
            assert!(response.bytes().await.unwrap().len() > 1000, "{url}");
        } else {
            assert!(url.starts_with("https://") && url.contains(&format!("@{}/", asset.version)), "{url}");
        }
    }
    if gatehouse_http::assets::EMBEDDED {
        assert!(!html.contains("https://"), "an embedded build loads nothing from outside");
    }
    let response = get(&app, &format!("{}/assets/graphiql@0.0.1/graphiql.min.js", app.user_url), "*/*").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn docs_and_sdl_are_served_from_the_live_schema() {
    let app = spawn_app().await;
    let response = get(&app, &format!("{}/schema.graphql", app.user_url), "*/*").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    let sdl = response.text().await.unwrap();
    assert!(sdl.contains("register(input: UsersPermissionsRegisterInput!): UsersPermissionsLoginPayload!"), "{sdl}");

    let response = get(&app, &format!("{}/docs", app.user_url), "text/html").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Gatehouse user API</h1>"));
    assert!(html.contains(r#"id="Mutation-register""#), "every operation");
    assert!(html.contains("Register a user"), "descriptions");
    assert!(html.contains(r#"id="type-UsersPermissionsRegisterInput""#), "every type");
    assert!(html.contains("<code>identifier</code>"), "input fields");
}

#[tokio::test]
async fn a_protected_listener_asks_a_browser_for_credentials_before_graphiql() {
    let app = gatehouse_testkit::spawn_app_with(|config| {
        let admin = config.listen.iter_mut().find(|l| l.handler == gatehouse_server::config::Handler::Admin).unwrap();
        admin.username = Some("root".into());
        admin.password = Some("rootpass".into());
    })
    .await;
    for url in [&app.admin_url, &app.domain_admin_url] {
        let response = get(&app, url, "text/html").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{url}");
        assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"gatehouse\"", "{url}");
    }
    let response = app.client.get(&app.admin_url).header("accept", "text/html").basic_auth("root", Some("rootpass"));
    let response = response.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Gatehouse GraphiQL (admin)</title>") && html.contains(r#""/api/graphql""#));
    let response = app.client.get(&app.admin_url).header("accept", "text/html").basic_auth("root", Some("wrong"));
    assert_eq!(response.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_open_admin_listener_serves_graphiql_to_anyone() {
    let app = spawn_app().await;
    let response = get(&app, &app.admin_url, "text/html").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("Gatehouse GraphiQL (admin)"));
}

/// The operation's block in the docs page.
fn operation<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("no {id}"));
    let end = html[start..].find("</div>").unwrap();
    &html[start..start + end]
}

#[tokio::test]
async fn admin_docs_mark_each_operation_global_or_domain_scoped() {
    let app = spawn_app().await;
    for url in [&app.admin_url, &app.domain_admin_url] {
        let html = get(&app, &format!("{url}/docs"), "text/html").await.text().await.unwrap();
        assert!(operation(&html, "Query-domain-allDomains").contains(">GLOBAL</span>"), "{url}");
        assert!(operation(&html, "Query-domain-domainDetails").contains(">DOMAIN(domain)</span>"), "{url}");
        assert!(operation(&html, "Query-checkAuth").contains(">open</span>"), "{url}");
        let subscription = operation(&html, "Subscription-audit-subscribeForEvents");
        assert!(subscription.contains(">DOMAIN(domain)</span>") && subscription.contains("limit"), "{subscription}");
        assert!(html.contains(r#"id="type-EventType""#) && html.contains("<code>LOGIN_FAILED</code>"));
        let sdl = get(&app, &format!("{url}/schema.graphql"), "*/*").await.text().await.unwrap();
        assert!(sdl.contains("@protected(type: GLOBAL"), "the SDL carries the protection");
    }
}
