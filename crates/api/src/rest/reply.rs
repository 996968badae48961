//! Successful answers, as Strapi sends them: compact JSON in UTF-8, `201` for a created user,
//! `204` with no body when a controller finds nothing.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub const JSON: &str = "application/json; charset=utf-8";

pub fn ok(body: Value) -> Response {
    with_status(StatusCode::OK, body)
}

pub fn created(body: Value) -> Response {
    with_status(StatusCode::CREATED, body)
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn with_status(status: StatusCode, body: Value) -> Response {
    // Straight to bytes: `to_string` would go through `fmt`'s machinery.
    let body = serde_json::to_vec(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, JSON)], body).into_response()
}
