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
mod reply;
mod roles;
mod users;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

pub use call::RestState;
use call::{Call, Shared};
use error::RestError;
use gatehouse_core::permissions::PREFIX;
use gatehouse_http::docs::RestRoute;

/// One route: where, what it needs, what it does, and its handler.
struct Route {
    method: MethodFilter,
    doc: RestRoute,
    handler: MethodRouter<Shared>,
}

fn route(
    method: MethodFilter,
    name: &'static str,
    path: &'static str,
    action: &str,
    summary: &'static str,
    handler: MethodRouter<Shared>,
) -> Route {
    Route {
        method,
        doc: RestRoute { method: name, path: path.into(), action: format!("{PREFIX}{action}"), summary },
        handler,
    }
}

/// Every route, in Strapi's order; the router and the documentation both read this list.
fn routes() -> Vec<Route> {
    use MethodFilter as M;
    let legacy = |action: &'static str| {
        move |State(api): State<Shared>, call: Call| auth::legacy_session_route(action, api, call)
    };
    let no_provider =
        |action: &'static str| move |State(api): State<Shared>, call: Call| auth::no_provider(action, api, call);
    vec![
        route(
            M::GET,
            "GET",
            "/connect/{*provider}",
            "auth.connect",
            "OAuth sign-in: no provider is enabled (400)",
            on(M::GET, no_provider("connect")),
        ),
        route(
            M::POST,
            "POST",
            "/auth/local",
            "auth.callback",
            "Log in with `identifier` (username or email) and `password`: `{jwt, user}`",
            on(M::POST, auth::login),
        ),
        route(
            M::POST,
            "POST",
            "/auth/local/register",
            "auth.register",
            "Register `username`, `email`, `password`: `{jwt, user}`, or `{user}` until the email is confirmed",
            on(M::POST, auth::register),
        ),
        route(
            M::GET,
            "GET",
            "/auth/{provider}/callback",
            "auth.callback",
            "OAuth callback: no provider is enabled (400)",
            on(M::GET, no_provider("callback")),
        ),
        route(
            M::POST,
            "POST",
            "/auth/forgot-password",
            "auth.forgotPassword",
            "Mail a reset link to `email`: `{ok: true}`, known or not",
            on(M::POST, auth::forgot_password),
        ),
        route(
            M::POST,
            "POST",
            "/auth/reset-password",
            "auth.resetPassword",
            "New `password` (and `passwordConfirmation`) with the mailed `code`: `{jwt, user}`",
            on(M::POST, auth::reset_password),
        ),
        route(
            M::GET,
            "GET",
            "/auth/email-confirmation",
            "auth.emailConfirmation",
            "Confirm with the mailed `confirmation` code: 302 to the domain's confirmation redirection",
            on(M::GET, auth::email_confirmation),
        ),
        route(
            M::POST,
            "POST",
            "/auth/send-email-confirmation",
            "auth.sendEmailConfirmation",
            "Mail a new confirmation link to `email`: `{email, sent: true}`",
            on(M::POST, auth::send_email_confirmation),
        ),
        route(
            M::POST,
            "POST",
            "/auth/change-password",
            "auth.changePassword",
            "The caller's new `password` (and `passwordConfirmation`), confirmed with `currentPassword`: `{jwt, user}`",
            on(M::POST, auth::change_password),
        ),
        route(
            M::POST,
            "POST",
            "/auth/refresh",
            "auth.refresh",
            "Refresh-token sessions: not with legacy tokens (404)",
            on(M::POST, legacy("refresh")),
        ),
        route(
            M::POST,
            "POST",
            "/auth/logout",
            "auth.logout",
            "Refresh-token sessions: not with legacy tokens (404)",
            on(M::POST, legacy("logout")),
        ),
        route(
            M::GET,
            "GET",
            "/auth/sessions",
            "auth.getSessions",
            "Refresh-token sessions: not with legacy tokens (404)",
            on(M::GET, legacy("getSessions")),
        ),
        route(
            M::DELETE,
            "DELETE",
            "/auth/sessions/{id}",
            "auth.revokeSession",
            "Refresh-token sessions: not with legacy tokens (404)",
            on(M::DELETE, legacy("revokeSession")),
        ),
        route(
            M::GET,
            "GET",
            "/users/count",
            "user.count",
            "How many users match `filters`: a number",
            on(M::GET, users::count),
        ),
        route(
            M::GET,
            "GET",
            "/users",
            "user.find",
            "Users matching `filters`, `_q`, `sort`, `start`, `limit`, with `fields` and `populate=role`: an array",
            on(M::GET, users::find),
        ),
        route(M::GET, "GET", "/users/me", "user.me", "The caller (`fields`, `populate=role`)", on(M::GET, users::me)),
        route(
            M::GET,
            "GET",
            "/users/{id}",
            "user.findOne",
            "A user by numeric id (`fields`, `populate=role`); 204 when there is none",
            on(M::GET, users::find_one),
        ),
        route(
            M::POST,
            "POST",
            "/users",
            "user.create",
            "Create a user (`role`: id, documentId or `{connect: [...]}`): 201 and the user",
            on(M::POST, users::create),
        ),
        route(
            M::PUT,
            "PUT",
            "/users/{id}",
            "user.update",
            "Update a user: the user; 404 when there is none",
            on(M::PUT, users::update),
        ),
        route(
            M::DELETE,
            "DELETE",
            "/users/{id}",
            "user.destroy",
            "Delete a user: the deleted user; 204 when there is none",
            on(M::DELETE, users::destroy),
        ),
        route(
            M::GET,
            "GET",
            "/users-permissions/roles/{id}",
            "role.findOne",
            "A role by numeric id, with the map of every action: `{role}`",
            on(M::GET, roles::find_one),
        ),
        route(
            M::GET,
            "GET",
            "/users-permissions/roles",
            "role.find",
            "The roles with their number of users: `{roles}`",
            on(M::GET, roles::find),
        ),
        route(
            M::POST,
            "POST",
            "/users-permissions/roles",
            "role.createRole",
            "Create a role (`name`, `description`, `type`, `permissions` map): `{ok: true}`",
            on(M::POST, roles::create),
        ),
        route(
            M::PUT,
            "PUT",
            "/users-permissions/roles/{id}",
            "role.updateRole",
            "Update a role; a `permissions` map replaces its set: `{ok: true}`",
            on(M::PUT, roles::update),
        ),
        route(
            M::DELETE,
            "DELETE",
            "/users-permissions/roles/{id}",
            "role.deleteRole",
            "Delete a role; its users move to the Public role: `{ok: true}`",
            on(M::DELETE, roles::destroy),
        ),
        route(
            M::GET,
            "GET",
            "/users-permissions/permissions",
            "permissions.getPermissions",
            "The map of every action: `{permissions}`",
            on(M::GET, roles::permissions),
        ),
    ]
}

/// The routes for the documentation, with Strapi's `:param` path syntax.
pub fn route_docs() -> Vec<RestRoute> {
    routes()
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
    for route in routes() {
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
