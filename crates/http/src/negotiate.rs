//! Content negotiation for GraphQL over HTTP: which media type the answer is sent in.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors get 4xx statuses.
    GraphqlResponse,
    /// `application/json`, the legacy type: every well-formed GraphQL answer is a 200.
    Json,
}

impl MediaType {
    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

/// One entry of an `Accept` header: media range and quality.
fn accept_entries(headers: &HeaderMap) -> Vec<(String, f32)> {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let range = parts.next()?.trim().to_ascii_lowercase();
            if range.is_empty() {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                .next()
                .unwrap_or(1.0);
            Some((range, q))
        })
        .collect()
}

/// The media type to answer in, or `None` when the client accepts neither (406).
/// A missing `Accept` means `application/json`, as the spec asks for legacy clients.
pub fn response_type(headers: &HeaderMap) -> Option<MediaType> {
    let entries = accept_entries(headers);
    if entries.is_empty() {
        return Some(MediaType::Json);
    }
    let quality = |wanted: &str| {
        entries
            .iter()
            .filter(|(range, _)| range == wanted)
            .map(|(_, q)| *q)
            .fold(None, |best: Option<f32>, q| Some(best.map_or(q, |b| b.max(q))))
    };
    let wildcard = entries
        .iter()
        .filter(|(range, _)| range == "*/*" || range == "application/*")
        .map(|(_, q)| *q)
        .fold(0.0f32, f32::max);
    let graphql = quality(GRAPHQL_RESPONSE_JSON).unwrap_or(0.0);
    let json = quality(JSON).unwrap_or(wildcard);
    match (graphql > 0.0, json > 0.0) {
        (true, true) if json > graphql => Some(MediaType::Json),
        (true, _) => Some(MediaType::GraphqlResponse),
        (false, true) => Some(MediaType::Json),
        (false, false) => None,
    }
}

/// True when the client asked for a page (GraphiQL) rather than data.
pub fn wants_html(headers: &HeaderMap) -> bool {
    accept_entries(headers).iter().any(|(range, q)| range == "text/html" && *q > 0.0)
}

/// True when the client asked for an event stream (graphql-sse distinct connections).
pub fn wants_event_stream(headers: &HeaderMap) -> bool {
    accept_entries(headers).iter().any(|(range, q)| range == "text/event-stream" && *q > 0.0)
}
