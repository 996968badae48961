//! The user API: Strapi v5's Users & Permissions GraphQL API, per domain.

mod auth;
pub mod caller;
pub mod error;
pub mod schema;
pub mod types;

use std::sync::Arc;

use crate::core::Core;
use crate::http::{Endpoint, Rejection, RequestErrorKind, RequestHead};
use caller::{UserCaller, bearer_token, host_name, token_refusal, unauthorized};
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
        let internal = |e: crate::core::CoreError| {
            tracing::error!(error = %e, "domain lookup failed");
            Rejection::graphql(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "Storage is unavailable",
            )
        };
        let mut domain = None;
        if let Some(host) = host_name(&head.headers) {
            domain = self.core.cached_domain(&host).await.map_err(internal)?;
        }
        let domain = match domain {
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
        Ok(UserCaller { domain, user, ip: head.peer.ip() })
    }

    fn request_error_code(&self, kind: RequestErrorKind) -> &'static str {
        match kind {
            RequestErrorKind::Parse => "GRAPHQL_PARSE_FAILED",
            RequestErrorKind::Validation => "GRAPHQL_VALIDATION_FAILED",
        }
    }

    fn stream_opened(&self) -> Option<Box<dyn Send>> {
        Some(Box::new(self.core.metrics.stream_opened()))
    }
}
