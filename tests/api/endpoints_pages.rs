//! What a browser finds at every endpoint: GraphiQL, its assets, the docs and the SDL.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

async fn get(app: &crate::helpers::TestApp, url: &str, accept: &str) -> reqwest::Response {
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

async fn spawn_app_with_user_path(path: &str) -> crate::helpers::TestApp {
    let path = path.to_string();
    crate::helpers::spawn_app_with(move |config| {
        for listener in &mut config.listen {
            if listener.handler == gatehouse::config::Handler::User {
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
    for asset in gatehouse::http::assets::ALL {
        let url = asset.url("/graphql");
        assert!(html.contains(&url), "{url}");
        if gatehouse::http::assets::EMBEDDED {
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
    if gatehouse::http::assets::EMBEDDED {
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
