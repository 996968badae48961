//! Request metrics: every request to an endpoint's routes is counted by outcome and timed.
//! The GraphQL handlers mark answers that carry GraphQL errors (`GraphqlErrors`), so that a
//! 200 with errors is told from a clean 200.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::Service;
use tower::layer::layer_fn;

use gatehouse_core::metrics::{Metrics, RequestOutcome};

/// Set on a response whose GraphQL answer has errors.
#[derive(Debug, Clone, Copy)]
pub struct GraphqlErrors;

/// `router` with every request counted and timed under `endpoint`.
pub fn track(router: Router, metrics: Arc<Metrics>, endpoint: &'static str) -> Router {
    router.layer(layer_fn(move |inner| Track { metrics: metrics.clone(), endpoint, inner }))
}

#[derive(Clone)]
struct Track<S> {
    metrics: Arc<Metrics>,
    endpoint: &'static str,
    inner: S,
}

impl<S> Service<Request> for Track<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Tracked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Tracked {
            inner: self.inner.call(request),
            metrics: self.metrics.clone(),
            endpoint: self.endpoint,
            started: Instant::now(),
        }
    }
}

pin_project! {
    struct Tracked<F> {
        #[pin]
        inner: F,
        metrics: Arc<Metrics>,
        endpoint: &'static str,
        started: Instant,
    }
}

impl<F, E> Future for Tracked<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        this.metrics.observe_request(this.endpoint, outcome(&response), this.started.elapsed().as_secs_f64());
        Poll::Ready(Ok(response))
    }
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
