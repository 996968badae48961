//! An answer given before (or instead of) executing GraphQL: a status and a JSON body.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Rejection {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub content_type: &'static str,
}

impl Rejection {
    /// `{"errors":[{"message", "extensions":{"code"}}]}`, the shape every GraphQL client reads.
    pub fn graphql(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status,
            body: json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
            headers: Vec::new(),
            content_type: "application/json; charset=utf-8",
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: &'static str) -> Self {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::graphql(StatusCode::BAD_REQUEST, code, message)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, [(header::CONTENT_TYPE, self.content_type)], self.body.to_string()).into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        // Some rejections are 200s (request errors for legacy JSON clients); metrics count them as errors.
        response.extensions_mut().insert(super::metrics::GraphqlErrors);
        response
    }
}
