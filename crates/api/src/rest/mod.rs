//! The REST API of Strapi 5's Users & Permissions plugin, served under a prefix (`/api`) of
//! every user listener beside its GraphQL path: the same domains, callers, permission actions,
//! core operations, rate-limit buckets and audit events as the GraphQL user API, with Strapi's
//! routes, query syntax, answers and error envelope.

mod auth;
mod body;
mod call;
pub mod error;
mod listing;
mod permission_map;
mod qs;
mod refresh_cookie;
mod reply;
mod roles;
mod routes;
mod sessions;
mod users;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

pub use call::RestState;
use error::RestError;
use gatehouse_http::docs::RestRoute;
use routes::Route;

/// The routes for the documentation, with Strapi's `:param` path syntax.
pub fn route_docs() -> Vec<RestRoute> {
    routes::all()
        .into_iter()
        .map(|route| {
            let path = route.doc.path.replace("{*", ":").replace('{', ":").replace('}', "");
            RestRoute { path, ..route.doc }
        })
        .collect()
}

/// The REST routes under `prefix`. Unknown paths answer Strapi's `404` envelope; a known path
/// with another method `405`, except the POST-only auth paths, which Strapi answers `404`.
pub fn router(state: RestState, prefix: &str) -> Router {
    let mut paths: Vec<(String, Vec<Route>)> = Vec::new();
    for route in routes::all() {
        match paths.iter_mut().find(|(path, _)| *path == route.doc.path) {
            Some((_, group)) => group.push(route),
            None => paths.push((route.doc.path.clone(), vec![route])),
        }
    }
    let mut api = Router::new();
    for (path, group) in paths {
        let post_only = group.iter().all(|route| route.method == MethodFilter::POST);
        let mut methods = group.into_iter().fold(MethodRouter::new(), |all, route| all.merge(route.handler));
        if post_only {
            let others = [MethodFilter::DELETE, MethodFilter::OPTIONS, MethodFilter::PATCH, MethodFilter::PUT]
                .into_iter()
                .fold(MethodFilter::GET, MethodFilter::or);
            methods = methods.merge(on(others, not_found));
        }
        // Strapi's router ignores a trailing slash.
        if !path.contains("{*") {
            api = api.route(&format!("{path}/"), methods.clone());
        }
        api = api.route(&path, methods);
    }
    let api = api
        .fallback(not_found)
        .layer(axum::middleware::map_response(plain_method_not_allowed))
        .with_state(Arc::new(state));
    Router::new().nest(prefix, api)
}

async fn not_found() -> RestError {
    RestError::not_found("Not Found")
}

/// Strapi's `405` is plain text, with the `Allow` header the router sets.
async fn plain_method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut plain =
        (StatusCode::METHOD_NOT_ALLOWED, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Method Not Allowed")
            .into_response();
    if let Some(allow) = allow {
        plain.headers_mut().insert(header::ALLOW, allow);
    }
    plain
}
