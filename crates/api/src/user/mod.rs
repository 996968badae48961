//! The user API: Strapi v5's Users & Permissions GraphQL API, per domain.

mod auth;
pub mod authorization;
pub mod caller;
mod cost;
pub mod error;
pub mod filters;
pub mod objects;
mod refusal;
mod roles;
pub mod schema;
pub mod types;
mod users;

use std::sync::Arc;

use caller::{UserCaller, basic_login, bearer_token, host_name, token_refusal, unauthorized};
use gatehouse_core::Core;
use gatehouse_http::{Endpoint, Rejection, RequestErrorKind, RequestHead};
pub use schema::{UserSchema, build as build_schema};

pub struct UserEndpoint {
    pub core: Arc<Core>,
    pub schema: UserSchema,
    /// Served when the `Host` header names no known domain.
    pub default_domain: String,
}

impl Endpoint for UserEndpoint {
    type Executor = UserSchema;
    type Caller = UserCaller;

    fn name(&self) -> &'static str {
        "user"
    }

    fn executor(&self) -> &UserSchema {
        &self.schema
    }

    async fn authenticate(&self, head: &RequestHead) -> Result<UserCaller, Rejection> {
        let internal = |e: gatehouse_core::CoreError| {
            tracing::error!(error = %e, "domain lookup failed");
            Rejection::graphql(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "Storage is unavailable",
            )
        };
        let mut by_host = None;
        if let Some(host) = host_name(&head.headers) {
            by_host = self.core.cached_domain(&host).await.map_err(internal)?;
        }
        if let Some(credentials) = basic_login(&head.headers) {
            let invalid = || unauthorized("Missing or invalid credentials");
            let credentials = credentials.map_err(|_| invalid())?;
            // Basic credentials name their domain; a Host naming another domain is a mismatch.
            let domain = match by_host {
                Some(domain) if domain.name != credentials.domain => return Err(invalid()),
                Some(domain) => domain,
                None => self.core.cached_domain(&credentials.domain).await.map_err(internal)?.ok_or_else(invalid)?,
            };
            let user = self
                .core
                .authenticate_password(&domain, &credentials.username, &credentials.password, head.peer.ip())
                .await
                .map_err(token_refusal)?;
            return Ok(UserCaller::new(domain, Some(user), head.peer.ip()));
        }
        let domain = match by_host {
            Some(domain) => domain,
            None => self
                .core
                .cached_domain(&self.default_domain)
                .await
                .map_err(internal)?
                .ok_or_else(|| unauthorized("Domain does not exist"))?,
        };
        let user = match bearer_token(&head.headers) {
            Some(token) => Some(self.core.authenticate_token(&domain, token).await.map_err(token_refusal)?),
            None => None,
        };
        Ok(UserCaller::new(domain, user, head.peer.ip()))
    }

    fn request_error_code(&self, kind: RequestErrorKind) -> &'static str {
        match kind {
            RequestErrorKind::Parse => "GRAPHQL_PARSE_FAILED",
            RequestErrorKind::Validation => "GRAPHQL_VALIDATION_FAILED",
        }
    }

    /// Apollo Server's answer, as Strapi gives it.
    fn batch_refusal(&self) -> Rejection {
        Rejection::bad_request("BAD_REQUEST", "Operation batching disabled.")
    }

    fn stream_opened(&self) -> Option<Box<dyn Send>> {
        Some(Box::new(self.core.metrics().stream_opened()))
    }
}
