//! What the GraphQL handlers record on their request span (`graphql_request`, declared by
//! each handler's `#[instrument]`): the operation's name and type once the document is
//! parsed, then the outcome, as the metrics classify it, and the latency (to the answer's
//! head: an event stream's life is not counted). The span never
//! holds the document, its variables or a header: passwords and tokens travel in those.

use std::future::Future;
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use axum::response::Response;
use tracing::Span;

use super::metrics;

/// Records the operation a request runs on the current request span.
pub(crate) fn record_operation(operation_type: OperationType, name: Option<&str>) {
    let span = Span::current();
    let operation_type = match operation_type {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    span.record("operation_type", operation_type);
    if let Some(name) = name {
        span.record("operation_name", name);
    }
}

/// Runs a handler's `answer`, then records its outcome and latency on the current request
/// span and logs one event in it: a warning for a server error, else at debug level (one line
/// per request would be too much by default).
pub(crate) async fn finish(answer: impl Future<Output = Response>) -> Response {
    let started = Instant::now();
    let response = answer.await;
    let outcome = metrics::outcome(&response);
    let span = Span::current();
    span.record("outcome", outcome.label());
    span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
    match outcome {
        gatehouse_core::metrics::RequestOutcome::ServerError => {
            tracing::warn!(status = response.status().as_u16(), "request failed")
        }
        _ => tracing::debug!(status = response.status().as_u16(), "request answered"),
    }
    response
}
