//! Core errors in Strapi's GraphQL error shape: `message`, `extensions.code` and
//! `extensions.error {name, message, details}`.

use async_graphql::ErrorExtensions;
use serde_json::{Value, json};

use gatehouse_core::CoreError;
use gatehouse_core::query::PaginationError;
use gatehouse_core::validation::{Details, FieldError};

/// Maps a core error once, for every resolver of the user API.
pub fn strapi_error(error: CoreError) -> async_graphql::Error {
    if let CoreError::Invalid(invalid) = &error {
        return shaped_with("BAD_USER_INPUT", "ValidationError", invalid.message.clone(), details(&invalid.details));
    }
    let (code, name, message) = match &error {
        CoreError::Invalid(_) | CoreError::InvalidCredentials => {
            ("BAD_USER_INPUT", "ValidationError", error.to_string())
        }
        CoreError::Refused(_) | CoreError::Conflict { .. } | CoreError::DomainDisabled | CoreError::StaticDomain => {
            ("STRAPI_APPLICATION_ERROR", "ApplicationError", error.to_string())
        }
        CoreError::NotFound { .. } => ("STRAPI_NOT_FOUND_ERROR", "NotFoundError", error.to_string()),
        CoreError::Forbidden => ("FORBIDDEN", "ForbiddenError", error.to_string()),
        CoreError::InvalidRefreshToken => ("UNAUTHENTICATED", "UnauthorizedError", error.to_string()),
        CoreError::RateLimited => ("STRAPI_RATE_LIMIT_ERROR", "RateLimitError", error.to_string()),
        CoreError::Internal(e) => {
            tracing::error!(error = format!("{e:#}"), "internal error in the user API");
            ("INTERNAL_SERVER_ERROR", "InternalServerError", "Internal Server Error".to_string())
        }
    };
    shaped(code, name, message)
}

/// Strapi's PaginationError (mixing page and offset pagination).
pub fn pagination_error(error: PaginationError) -> async_graphql::Error {
    shaped("STRAPI_PAGINATION_ERROR", "PaginationError", error.to_string())
}

/// Strapi's `details` of a ValidationError: the failing fields (`errors`), or the refused query
/// key (`key`, `path`, `source`, `param`), or nothing. The REST API's envelope carries the same.
pub fn details(details: &Details) -> Value {
    match details {
        Details::None => json!({}),
        Details::Fields(fields) => json!({ "errors": fields.iter().map(field_error).collect::<Vec<_>>() }),
        Details::Key(key) => {
            json!({ "key": key.key, "path": key.path, "source": "query", "param": key.param.name() })
        }
    }
}

/// `{path, message, name, value}`; `value` only when the field may be shown (never a password).
fn field_error(field: &FieldError) -> Value {
    let mut error = json!({ "path": field.path, "message": field.message, "name": "ValidationError" });
    if let Some(value) = &field.value {
        error["value"] = json!(value);
    }
    error
}

fn shaped(code: &str, name: &str, message: String) -> async_graphql::Error {
    shaped_with(code, name, message, json!({}))
}

fn shaped_with(code: &str, name: &str, message: String, details: Value) -> async_graphql::Error {
    async_graphql::Error::new(message.clone()).extend_with(|_, ext| {
        ext.set("code", code);
        ext.set(
            "error",
            async_graphql::Value::from_json(json!({ "name": name, "message": message, "details": details }))
                .unwrap_or_default(),
        );
    })
}

/// `Result` of the user API's resolvers.
pub type ApiResult<T> = async_graphql::Result<T>;

pub trait OrStrapi<T> {
    fn or_strapi(self) -> ApiResult<T>;
}

impl<T> OrStrapi<T> for Result<T, CoreError> {
    fn or_strapi(self) -> ApiResult<T> {
        self.map_err(strapi_error)
    }
}

/// Runs the resolver of a nullable field: an error makes the field `null` and is reported
/// with the field's path, as GraphQL asks (async-graphql alone would leave the field out, and
/// leave `data` null when it is the only one).
pub async fn or_null<T>(
    ctx: &async_graphql::Context<'_>,
    resolver: impl std::future::Future<Output = ApiResult<Option<T>>>,
) -> Option<T> {
    match resolver.await {
        Ok(value) => value,
        Err(error) => {
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
            None
        }
    }
}
