//! Request metrics: every request to an endpoint's routes is counted by outcome and timed.
//! The GraphQL handlers mark answers that carry GraphQL errors (`GraphqlErrors`), so that a
//! 200 with errors is told from a clean 200.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;

use gatehouse_core::metrics::{Metrics, RequestOutcome};

/// Set on a response whose GraphQL answer has errors.
#[derive(Debug, Clone, Copy)]
pub struct GraphqlErrors;

/// `router` with every request counted and timed under `endpoint`.
pub fn track(router: Router, metrics: Arc<Metrics>, endpoint: &'static str) -> Router {
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let metrics = metrics.clone();
        async move {
            let started = Instant::now();
            let response = next.run(request).await;
            metrics.observe_request(endpoint, outcome(&response), started.elapsed().as_secs_f64());
            response
        }
    }))
}

pub(crate) fn outcome(response: &Response) -> RequestOutcome {
    let status = response.status();
    if status.is_server_error() {
        RequestOutcome::ServerError
    } else if status.as_u16() == 401 || status.as_u16() == 403 {
        RequestOutcome::Unauthorized
    } else if status.is_client_error() {
        RequestOutcome::Rejected
    } else if response.extensions().get::<GraphqlErrors>().is_some() {
        RequestOutcome::GraphqlError
    } else {
        RequestOutcome::Ok
    }
}
