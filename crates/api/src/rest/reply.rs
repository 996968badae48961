//! Successful answers, as Strapi sends them: compact JSON in UTF-8, `201` for a created user,
//! `204` with no body when a controller finds nothing.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const JSON: &str = "application/json; charset=utf-8";

pub fn ok(body: impl Serialize) -> Response {
    with_status(StatusCode::OK, body)
}

pub fn created(body: impl Serialize) -> Response {
    with_status(StatusCode::CREATED, body)
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn with_status(status: StatusCode, body: impl Serialize) -> Response {
    // Straight to bytes: `to_string` would go through `fmt`'s machinery. Every body is plain
    // JSON (string keys), which cannot fail to serialise.
    let body = serde_json::to_vec(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, JSON)], body).into_response()
}
