//! Strapi's error envelope, `{"data": null, "error": {status, name, message, details}}`, and the
//! one mapping of the core's errors to it.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::user::caller::Refusal;
use gatehouse_core::CoreError;

/// An error answer of the REST API.
#[derive(Debug)]
pub struct RestError {
    pub status: StatusCode,
    /// Strapi's error class: `ValidationError`, `ApplicationError`, `NotFoundError`, ...
    pub name: &'static str,
    pub message: String,
    /// `None` for the answers Strapi sends without `details` (syntax errors, 413, 500).
    pub details: Option<Value>,
}

/// One input field that broke a rule, as yup reports it.
#[derive(Debug, Clone)]
pub struct FieldProblem {
    pub path: Vec<String>,
    pub message: String,
    /// What was given; `None` when nothing was, or when it must not be repeated (a password).
    pub value: Option<Value>,
}

impl RestError {
    pub fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self { status, name, message: message.into(), details: Some(json!({})) }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    pub fn application(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ApplicationError", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "ForbiddenError", "Forbidden")
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", message)
    }

    pub fn pagination(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "PaginationError", message)
    }

    /// A body that is not JSON (Strapi repeats the JSON parser's message, without details).
    pub fn syntax(message: impl Into<String>) -> Self {
        Self { details: None, ..Self::new(StatusCode::BAD_REQUEST, "SyntaxError", message) }
    }

    pub fn payload_too_large() -> Self {
        Self {
            details: None,
            ..Self::new(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeError", "request entity too large")
        }
    }

    pub fn internal() -> Self {
        Self {
            details: None,
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", "Internal Server Error")
        }
    }

    /// yup's answer: the one problem's message, or how many there are, and each of them.
    pub fn fields(problems: Vec<FieldProblem>) -> Self {
        let message = match problems.as_slice() {
            [one] => one.message.clone(),
            many => format!("{} errors occurred", many.len()),
        };
        let errors: Vec<Value> = problems
            .into_iter()
            .map(|problem| {
                let mut error = json!({ "path": problem.path, "message": problem.message, "name": "ValidationError" });
                if let Some(value) = problem.value {
                    error["value"] = value;
                }
                error
            })
            .collect();
        Self { details: Some(json!({ "errors": errors })), ..Self::validation(message) }
    }
}

/// The one mapping of the core's errors to Strapi's REST answers.
impl From<CoreError> for RestError {
    fn from(error: CoreError) -> Self {
        match &error {
            // Strapi's details (the failing fields, or the refused query key), as on GraphQL.
            CoreError::Invalid(invalid) => RestError {
                details: Some(crate::user::error::details(&invalid.details)),
                ..RestError::validation(&invalid.message)
            },
            CoreError::InvalidCredentials => RestError::validation(error.to_string()),
            CoreError::Refused(_)
            | CoreError::Conflict { .. }
            | CoreError::DomainDisabled
            | CoreError::StaticDomain => RestError::application(error.to_string()),
            CoreError::NotFound { .. } => RestError::not_found(error.to_string()),
            CoreError::Forbidden => RestError::forbidden(),
            CoreError::InvalidRefreshToken => RestError::unauthorized(error.to_string()),
            CoreError::RateLimited => {
                RestError::new(StatusCode::TOO_MANY_REQUESTS, "RateLimitError", error.to_string())
            }
            CoreError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error in the REST API");
                RestError::internal()
            }
        }
    }
}

impl From<Refusal> for RestError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Credentials(refusal) => match refusal {
                gatehouse_core::auth::TokenRefusal::RateLimited => {
                    RestError::new(StatusCode::TOO_MANY_REQUESTS, "RateLimitError", refusal.message())
                }
                _ => RestError::unauthorized(refusal.message()),
            },
            Refusal::UnknownDomain => RestError::unauthorized("Domain does not exist"),
            Refusal::Storage => {
                RestError::new(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailableError", "Storage is unavailable")
            }
        }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let mut error = json!({ "status": self.status.as_u16(), "name": self.name, "message": self.message });
        if let Some(details) = self.details {
            error["details"] = details;
        }
        let body = json!({ "data": null, "error": error });
        (self.status, [(header::CONTENT_TYPE, super::reply::JSON)], body.to_string()).into_response()
    }
}
