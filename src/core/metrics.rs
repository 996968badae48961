//! What Gatehouse counts for Prometheus. One `Metrics` per running core (`core.metrics`), so
//! that every part can count without knowing how it is exported: the HTTP layer records
//! requests, the core records logins (from the events it records), the mail code calls
//! `email_sent`/`email_failed`, the SSE code holds a `stream_opened()` guard per open stream.
//! `/metrics` on the admin listener renders it in the OpenMetrics text format.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

type Labels<const N: usize> = [(&'static str, &'static str); N];

/// How a GraphQL request ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOutcome {
    /// 2xx without GraphQL errors.
    Ok,
    /// 2xx with GraphQL errors (business errors, partial data).
    GraphqlError,
    /// 401 or 403.
    Unauthorized,
    /// Any other 4xx.
    Rejected,
    /// 5xx.
    ServerError,
}

impl RequestOutcome {
    fn label(self) -> &'static str {
        match self {
            RequestOutcome::Ok => "ok",
            RequestOutcome::GraphqlError => "graphql_error",
            RequestOutcome::Unauthorized => "unauthorized",
            RequestOutcome::Rejected => "rejected",
            RequestOutcome::ServerError => "server_error",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    requests: Family<Labels<2>, Counter>,
    latency: Family<Labels<1>, Histogram, fn() -> Histogram>,
    logins: Family<Labels<1>, Counter>,
    emails: Family<Labels<1>, Counter>,
    sse_streams: Gauge,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Labels<2>, Counter>::default();
        let latency = Family::<Labels<1>, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let logins = Family::<Labels<1>, Counter>::default();
        let emails = Family::<Labels<1>, Counter>::default();
        let sse_streams = Gauge::default();
        registry.register("gatehouse_http_requests", "GraphQL HTTP requests by endpoint and outcome", requests.clone());
        registry.register_with_unit(
            "gatehouse_http_request_duration",
            "Time to answer a GraphQL HTTP request, by endpoint",
            Unit::Seconds,
            latency.clone(),
        );
        registry.register("gatehouse_logins", "User logins by outcome", logins.clone());
        registry.register("gatehouse_emails", "Emails by outcome", emails.clone());
        registry.register("gatehouse_sse_streams_open", "Open subscription streams", sse_streams.clone());
        // Known series start at zero, so that rates work from the first scrape.
        for outcome in ["succeeded", "failed"] {
            let _ = logins.get_or_create(&[("outcome", outcome)]);
        }
        for outcome in ["sent", "failed"] {
            let _ = emails.get_or_create(&[("outcome", outcome)]);
        }
        Self { registry, requests, latency, logins, emails, sse_streams }
    }
}

impl Metrics {
    pub fn observe_request(&self, endpoint: &'static str, outcome: RequestOutcome, seconds: f64) {
        self.requests.get_or_create(&[("endpoint", endpoint), ("outcome", outcome.label())]).inc();
        self.latency.get_or_create(&[("endpoint", endpoint)]).observe(seconds);
    }

    pub fn login(&self, succeeded: bool) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.logins.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub fn email_sent(&self) {
        self.emails.get_or_create(&[("outcome", "sent")]).inc();
    }

    pub fn email_failed(&self) {
        self.emails.get_or_create(&[("outcome", "failed")]).inc();
    }

    /// Counts one open subscription stream until the guard is dropped.
    pub fn stream_opened(&self) -> StreamGuard {
        self.sse_streams.inc();
        StreamGuard(self.sse_streams.clone())
    }

    /// Everything, in the OpenMetrics text format (which Prometheus scrapes).
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Err(e) = encode(&mut text, &self.registry) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        text
    }
}

/// Held while a subscription stream is open.
pub struct StreamGuard(Gauge);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
