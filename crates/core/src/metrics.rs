//! What Gatehouse counts for Prometheus. One `Metrics` per running core (`core.metrics`), so
//! that every part can count without knowing how it is exported: the HTTP layer records
//! requests, the core records logins (from the events it records), the SSE code holds a
//! `stream_opened()` guard per open stream, and the mailer's own totals are read at each
//! scrape. `/metrics` on the admin listener renders it in the OpenMetrics text format.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use super::mail::Mailer;

type Labels<const N: usize> = [(&'static str, &'static str); N];

/// How a request ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOutcome {
    /// 2xx or 3xx without GraphQL errors.
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
    pub fn label(self) -> &'static str {
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
    sse_streams: Gauge,
}

/// The mailer's totals, read at each scrape.
struct EmailTotals(Arc<Mailer>);

impl std::fmt::Debug for EmailTotals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailTotals")
    }
}

impl Collector for EmailTotals {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let sent = ConstCounter::new(self.0.sent());
        let mut family =
            encoder.encode_descriptor("gatehouse_emails", "Emails by outcome", None, sent.metric_type())?;
        for (outcome, counter) in [("sent", sent), ("failed", ConstCounter::new(self.0.failed()))] {
            counter.encode(family.encode_family(&[("outcome", outcome)])?)?;
        }
        Ok(())
    }
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Metrics {
    pub fn new(mailer: Arc<Mailer>) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Labels<2>, Counter>::default();
        let latency = Family::<Labels<1>, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let logins = Family::<Labels<1>, Counter>::default();
        let sse_streams = Gauge::default();
        registry.register(
            "gatehouse_http_requests",
            "HTTP requests to the APIs by endpoint (user, user_rest, admin, domain_admin) and outcome",
            requests.clone(),
        );
        registry.register_with_unit(
            "gatehouse_http_request_duration",
            "Time to answer an HTTP request to the APIs, by endpoint",
            Unit::Seconds,
            latency.clone(),
        );
        registry.register("gatehouse_logins", "User logins by outcome", logins.clone());
        registry.register_collector(Box::new(EmailTotals(mailer)));
        registry.register("gatehouse_sse_streams_open", "Open subscription streams", sse_streams.clone());
        // Known series start at zero, so that rates work from the first scrape.
        for outcome in ["succeeded", "failed"] {
            let _ = logins.get_or_create(&[("outcome", outcome)]);
        }
        Self { registry, requests, latency, logins, sse_streams }
    }

    pub fn observe_request(&self, endpoint: &'static str, outcome: RequestOutcome, seconds: f64) {
        self.requests.get_or_create(&[("endpoint", endpoint), ("outcome", outcome.label())]).inc();
        self.latency.get_or_create(&[("endpoint", endpoint)]).observe(seconds);
    }

    pub fn login(&self, succeeded: bool) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.logins.get_or_create(&[("outcome", outcome)]).inc();
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
