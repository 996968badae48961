//! The GraphiQL page served at every endpoint for `GET` with `Accept: text/html`.
//! Its fetcher targets the endpoint's own path; subscriptions go through `<path>/sse` with the
//! graphql-sse client. Credentials typed in the headers tab (`{"Authorization": "Basic ..."}`)
//! travel with both. The scripts come from [`super::assets`]: embedded, or a pinned CDN; when
//! they cannot load, the page says why and how to fix it.

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::graphql::{Endpoint, Mounted, RequestHead};
use super::rejection::Rejection;

/// The challenge that makes a browser ask for Basic credentials.
pub const WWW_AUTHENTICATE: &str = r#"Basic realm="gatehouse""#;

pub async fn page<E: Endpoint>(mounted: &Mounted<E>, head: &RequestHead) -> Response {
    // On a listener that only serves authenticated callers, a browser without credentials is
    // asked for them; it then sends them with the page's own requests too (same origin).
    if mounted.endpoint.requires_credentials() && !head.headers.contains_key(AUTHORIZATION) {
        let mut response =
            Rejection::graphql(StatusCode::UNAUTHORIZED, "no_credentials", "This endpoint needs credentials")
                .into_response();
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(WWW_AUTHENTICATE));
        return response;
    }
    // Wrong credentials are refused here too, so the browser asks for them again.
    if let Err(rejection) = mounted.endpoint.authenticate(head).await {
        return rejection.into_response();
    }
    let html = render(mounted.endpoint.name(), &mounted.path);
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

mod page;
pub use page::render;

#[cfg(test)]
mod tests;
