//! Operations routes of the admin listener: `/health` (the process answers), `/ready` (and
//! its storage too) and `/metrics` (Prometheus, in the OpenMetrics text format).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tracing::instrument;

use gatehouse_core::Core;

/// Whether the node takes new work: false from the moment it starts shutting down, so that a
/// load balancer checking `/ready` moves traffic away before the listeners close.
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn drain(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Ops {
    core: Arc<Core>,
    readiness: Readiness,
}

pub fn routes(core: Arc<Core>, readiness: Readiness) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(Ops { core, readiness })
}

#[instrument(skip_all)]
async fn health() -> &'static str {
    "ok\n"
}

#[instrument(skip_all)]
async fn ready(State(Ops { core, readiness }): State<Ops>) -> Response {
    if readiness.draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    match core.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: storage does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n").into_response()
        }
    }
}

#[instrument(skip_all)]
async fn metrics(State(Ops { core, .. }): State<Ops>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], core.metrics.render()).into_response()
}
