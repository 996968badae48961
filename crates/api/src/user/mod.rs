//! The user API: Strapi v5's Users & Permissions GraphQL API, per domain.

mod answers;
mod auth;
pub mod authorization;
pub mod caller;
pub mod cost;
pub mod error;
pub mod filters;
pub mod objects;
mod refusal;
mod roles;
pub mod schema;
mod sessions;
pub mod types;
mod users;

use std::sync::Arc;

use answers::{Reads, Shown};
use async_graphql::parser::types::{ExecutableDocument, OperationDefinition};
use caller::{Refusal, UserCaller, identify, token_refusal, unauthorized};
use gatehouse_core::Core;
use gatehouse_http::{Endpoint, Rejection, RequestErrorKind, RequestHead};
pub use schema::{UserSchema, build as build_schema};

pub struct UserEndpoint {
    pub core: Arc<Core>,
    pub schema: UserSchema,
    /// Served when the `Host` header names no known domain.
    pub default_domain: String,
    /// Where the listener serves the REST API, for the docs page.
    pub rest_prefix: Option<String>,
}

impl Endpoint for UserEndpoint {
    type Executor = UserSchema;
    type Caller = UserCaller;
    type AnswerInputs = Shown;

    fn name(&self) -> &'static str {
        "user"
    }

    fn executor(&self) -> &UserSchema {
        &self.schema
    }

    async fn authenticate(&self, head: &RequestHead) -> Result<UserCaller, Rejection> {
        identify(&self.core, &self.default_domain, &head.headers, head.peer.ip()).await.map_err(|refusal| match refusal
        {
            Refusal::Credentials(refusal) => token_refusal(refusal),
            Refusal::UnknownDomain => unauthorized("Domain does not exist"),
            Refusal::Storage => Rejection::graphql(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "Storage is unavailable",
            ),
        })
    }

    /// A signed-in caller's query of itself (see `answers`): what it shows of the user and, if
    /// it asks for it, of the user's role, read as its resolver reads it. An anonymous caller's
    /// answers depend on the Public role's permissions, and are executed every time.
    async fn answer_inputs(
        &self,
        caller: &UserCaller,
        document: &ExecutableDocument,
        operation: &OperationDefinition,
    ) -> Option<Shown> {
        let user = caller.user.as_ref()?;
        match answers::reads(document, operation)? {
            Reads::User => Some(Shown::of(user, None)),
            // A failed read is left to the execution, which reports it.
            Reads::UserAndRole => Some(Shown::of(user, self.core.roles().role_of(user).await.ok()?.as_ref())),
        }
    }

    fn request_error_code(&self, kind: RequestErrorKind) -> &'static str {
        match kind {
            RequestErrorKind::Parse => "GRAPHQL_PARSE_FAILED",
            RequestErrorKind::Validation => "GRAPHQL_VALIDATION_FAILED",
        }
    }

    fn rest_docs(&self) -> Option<gatehouse_http::docs::RestDocs> {
        let prefix = self.rest_prefix.clone()?;
        Some(gatehouse_http::docs::RestDocs { prefix, routes: crate::rest::route_docs() })
    }

    /// Apollo Server's answer, as Strapi gives it.
    fn batch_refusal(&self) -> Rejection {
        Rejection::bad_request("BAD_REQUEST", "Operation batching disabled.")
    }

    fn stream_opened(&self) -> Option<Box<dyn Send>> {
        Some(Box::new(self.core.metrics().stream_opened()))
    }
}
