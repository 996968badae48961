//! CORS on the listeners, as Strapi's default middleware answers: every origin on the user
//! listener by default, on every route it serves; none on the admin listeners unless configured.

use reqwest::{Method, StatusCode};
use serde_json::json;

use gatehouse_testkit::{spawn_app, spawn_app_with};

const ORIGIN: &str = "https://app.example.com";

fn preflight(client: &reqwest::Client, url: &str, origin: &str) -> reqwest::RequestBuilder {
    client
        .request(Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,authorization")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn the_user_listener_answers_preflights_and_requests_of_any_origin() {
    let app = spawn_app().await;
    let response = preflight(&app.client, &app.user_url, ORIGIN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(ORIGIN), "the origin is echoed");
    assert_eq!(header(&response, "access-control-allow-methods"), Some("GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"));
    assert_eq!(header(&response, "access-control-allow-headers"), Some("Content-Type,Authorization,Origin,Accept"));
    assert_eq!(header(&response, "access-control-max-age"), Some("31536000"));
    assert_eq!(header(&response, "vary"), Some("Origin"));
    assert_eq!(header(&response, "access-control-allow-credentials"), None, "credentials only when configured");
    assert!(response.text().await.unwrap().is_empty());

    // Any path of the listener: routes added beside GraphQL get the same answers.
    let base = app.user_url.trim_end_matches("/graphql");
    let response = preflight(&app.client, &format!("{base}/api/auth/local"), ORIGIN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(ORIGIN));

    // Answers carry the origin, errors included.
    let response = app
        .client
        .post(&app.user_url)
        .header("origin", ORIGIN)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(ORIGIN));
    let response = app
        .client
        .post(&app.user_url)
        .header("origin", "null")
        .bearer_auth("not-a-jwt")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("null"));

    // The admin listeners have no CORS unless configured.
    let response = preflight(&app.client, &app.admin_url, ORIGIN).send().await.unwrap();
    assert_ne!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn origins_and_credentials_are_configured_per_listener() {
    let app = spawn_app_with(|config| {
        for listener in &mut config.listen {
            listener.cors_origins = Some(vec![ORIGIN.into()]);
            listener.cors_credentials = true;
        }
    })
    .await;
    for url in [&app.user_url, &app.admin_url] {
        let response = preflight(&app.client, url, ORIGIN).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{url}");
        assert_eq!(header(&response, "access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(header(&response, "access-control-allow-credentials"), Some("true"));
        let response = preflight(&app.client, url, "https://evil.example").send().await.unwrap();
        assert_eq!(header(&response, "access-control-allow-origin"), None, "{url}: an origin not listed");
    }

    let off = spawn_app_with(|config| config.listen[0].cors_origins = Some(Vec::new())).await;
    let response = preflight(&off.client, &off.user_url, ORIGIN).send().await.unwrap();
    assert_eq!(header(&response, "access-control-allow-origin"), None);
}
