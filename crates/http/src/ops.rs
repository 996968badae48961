//! Operations routes of the admin listener: `/health` (the process answers), `/ready` (and
//! its storage too) and `/metrics` (Prometheus, in the OpenMetrics text format).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use gatehouse_core::Core;

pub fn routes(core: Arc<Core>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(core)
}

async fn health() -> &'static str {
    "ok\n"
}

async fn ready(State(core): State<Arc<Core>>) -> Response {
    match core.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: storage does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n").into_response()
        }
    }
}

async fn metrics(State(core): State<Arc<Core>>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], core.metrics().render()).into_response()
}
