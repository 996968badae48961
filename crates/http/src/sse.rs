//! Subscriptions over Server-Sent Events, in two framings:
//! - `GET <path>/sse` (MongooseIM): every result as `id: <n>` + `data: <json>`, n from 1; errors
//!   found before the stream opens are ordinary JSON answers (400, 401).
//! - graphql-sse's distinct-connections mode (`Accept: text/event-stream` on the endpoint, or
//!   `POST <path>/sse` as the `graphql-sse` client sends it): `next` events, then `complete`;
//!   validation errors travel in the accepted stream, as that protocol asks.
//!
//! Both send a `:` comment at once and then every `sse_keepalive_seconds`, end when the
//! subscription completes or the server shuts down, and free the subscription (dropping its
//! stream) as soon as the client goes away.

use std::time::Duration;

use async_graphql::{Executor, Response as GraphqlResponse};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream};
use futures_util::{FutureExt, StreamExt};
use tokio::sync::watch;
use tracing::field::Empty;
use tracing::instrument;

use super::graphql::{
    Endpoint, Mounted, RequestHead, Shared, Transport, check_content_type, is_request_error, prepare, read_body,
    request_error_rejection,
};
use super::negotiate::MediaType;
use super::rejection::Rejection;
use super::request::{self, Params};
use super::trace;

/// The server's shutdown signal, handed to every stream so a graceful shutdown never waits
/// for open subscriptions (added to each listener's requests by `server::spawn`).
#[derive(Debug, Clone)]
pub struct Shutdown(pub watch::Receiver<bool>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `id: <n>\ndata: <json>\n\n`, n from 1 (MongooseIM's `<path>/sse`).
    Numbered,
    /// `event: next\ndata: <json>\n\n`, then `event: complete\ndata:\n\n` (graphql-sse).
    GraphqlSse,
}

pub const KEEPALIVE: &[u8] = b":\n\n";
pub const COMPLETE: &[u8] = b"event: complete\ndata:\n\n";

/// One result as an SSE event. Compact JSON has no raw newline, so one `data:` line suffices.
pub fn frame(framing: Framing, id: u64, response: &GraphqlResponse) -> Bytes {
    let json = serde_json::to_string(response)
        .unwrap_or_else(|_| r#"{"errors":[{"message":"unserialisable result"}]}"#.into());
    debug_assert!(!json.contains('\n'));
    match framing {
        Framing::Numbered => format!("id: {id}\ndata: {json}\n\n").into(),
        Framing::GraphqlSse => format!("event: next\ndata: {json}\n\n").into(),
    }
}

struct StreamState {
    results: BoxStream<'static, GraphqlResponse>,
    framing: Framing,
    next_id: u64,
    keepalive: Option<tokio::time::Interval>,
    shutdown: Option<watch::Receiver<bool>>,
    finished: bool,
    /// The endpoint's token for an open stream (the open-streams gauge), dropped with the stream.
    _open: Option<Box<dyn Send>>,
}

async fn tick(keepalive: &mut Option<tokio::time::Interval>) {
    match keepalive {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn stopped(shutdown: &mut Option<watch::Receiver<bool>>) {
    match shutdown {
        // A dropped sender means the server is gone: stop too.
        Some(receiver) => {
            let _ = receiver.wait_for(|stop| *stop).await;
        }
        None => std::future::pending().await,
    }
}

/// The response body: results as events, keep-alive comments, and the end of the stream.
pub fn event_body<E: Endpoint>(
    mounted: &Mounted<E>,
    results: BoxStream<'static, GraphqlResponse>,
    framing: Framing,
    shutdown: Option<watch::Receiver<bool>>,
) -> Body {
    let keepalive_seconds = mounted.sse_keepalive_seconds;
    let keepalive = (keepalive_seconds > 0).then(|| {
        // The first tick is immediate: the client learns at once that the stream is open.
        let mut interval = tokio::time::interval(Duration::from_secs(keepalive_seconds));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });
    let open = mounted.endpoint.stream_opened();
    let state = StreamState { results, framing, next_id: 1, keepalive, shutdown, finished: false, _open: open };
    let events = stream::unfold(state, |mut state| async move {
        if state.finished {
            return None;
        }
        let bytes = tokio::select! {
            biased;
            _ = stopped(&mut state.shutdown) => return None,
            result = state.results.next() => match result {
                Some(response) => {
                    let bytes = frame(state.framing, state.next_id, &response);
                    state.next_id += 1;
                    bytes
                }
                None => {
                    state.finished = true;
                    match state.framing {
                        Framing::GraphqlSse => Bytes::from_static(COMPLETE),
                        Framing::Numbered => return None,
                    }
                }
            },
            _ = tick(&mut state.keepalive) => Bytes::from_static(KEEPALIVE),
        };
        Some((Ok::<_, std::convert::Infallible>(bytes), state))
    });
    Body::from_stream(events)
}

fn stream_response(body: Body) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            // Reverse proxies (nginx) must not buffer the stream.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response()
}

/// Refusals before a stream are JSON whatever the client's `Accept` (it asked for events).
fn json_refusal(mut rejection: Rejection) -> Response {
    rejection.content_type = MediaType::Json.content_type();
    rejection.into_response()
}

/// `GET <path>/sse`: MongooseIM's framing. Everything that can be refused before the stream
/// opens is refused as JSON: bad parameters, credentials, a query or mutation document, and
/// validation errors (found by polling the execution once before answering).
#[instrument(name = "graphql_request", skip_all, fields(endpoint = mounted.endpoint.name(), transport = "sse", operation_name = Empty, operation_type = Empty, outcome = Empty, latency_ms = Empty))]
pub async fn get<E: Endpoint>(
    State(mounted): State<Shared<E>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    shutdown: Option<Extension<Shutdown>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    trace::finish(async {
        let head = RequestHead { method, headers, peer };
        let prepared = async {
            let params = request::from_query_string(query.as_deref().unwrap_or_default(), mounted.limits.query_bytes)?;
            // The modern media type's statuses: a request error is a 400 here, never a 200.
            prepare(&mounted, &head, params, Transport::EventStream, MediaType::GraphqlResponse).await
        }
        .await;
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(rejection) => return json_refusal(rejection),
        };
        let mut results = mounted.endpoint.executor().execute_stream(prepared.request, None);
        // Validation runs on the first poll without waiting on anything; so does a resolver that
        // fails before its first await. Either is answered as JSON instead of opening a stream.
        let first = match results.next().now_or_never() {
            Some(Some(response)) if is_request_error(&response) => {
                return json_refusal(request_error_rejection(&mounted, response, MediaType::GraphqlResponse));
            }
            Some(Some(response)) if response.data == async_graphql::Value::Null && response.is_err() => {
                let body = serde_json::to_string(&response).unwrap_or_default();
                return (StatusCode::OK, [(header::CONTENT_TYPE, MediaType::Json.content_type())], body)
                    .into_response();
            }
            Some(Some(response)) => Some(response),
            Some(None) => return stream_response(Body::empty()),
            None => None,
        };
        let results = stream::iter(first).chain(results).boxed();
        let body = event_body(&mounted, results, Framing::Numbered, shutdown.map(|s| s.0.0));
        stream_response(body)
    })
    .await
}

/// `POST <path>/sse`: the graphql-sse client's request, answered in its framing.
#[instrument(name = "graphql_request", skip_all, fields(endpoint = mounted.endpoint.name(), transport = "sse", operation_name = Empty, operation_type = Empty, outcome = Empty, latency_ms = Empty))]
pub async fn post<E: Endpoint>(
    State(mounted): State<Shared<E>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    shutdown: Option<Extension<Shutdown>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    trace::finish(async {
        let head = RequestHead { method, headers, peer };
        post_stream(&mounted, head, body, shutdown.map(|s| s.0)).await
    })
    .await
}

/// A POSTed graphql-sse request: a JSON body, as on the endpoint.
pub async fn post_stream<E: Endpoint>(
    mounted: &Mounted<E>,
    head: RequestHead,
    body: Body,
    shutdown: Option<Shutdown>,
) -> Response {
    let params = async {
        check_content_type(&head.headers)?;
        let body = read_body(body, mounted.limits.body_bytes).await?;
        request::from_body(&body, mounted.limits.query_bytes)
    }
    .await;
    distinct(mounted, head, params, shutdown).await
}

/// graphql-sse's distinct-connections mode. Refusals of the HTTP request (parameters,
/// credentials, the operation type) are JSON answers; once the request is accepted, every
/// result, validation errors included, is a `next` event, and `complete` ends the stream.
pub async fn distinct<E: Endpoint>(
    mounted: &Mounted<E>,
    head: RequestHead,
    params: Result<Params, Rejection>,
    shutdown: Option<Shutdown>,
) -> Response {
    let prepared = match params {
        Ok(params) => prepare(mounted, &head, params, Transport::EventStream, MediaType::GraphqlResponse).await,
        Err(rejection) => Err(rejection),
    };
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(rejection) => return json_refusal(rejection),
    };
    let results = mounted.endpoint.executor().execute_stream(prepared.request, None);
    let body = event_body(mounted, results, Framing::GraphqlSse, shutdown.map(|s| s.0));
    stream_response(body)
}

#[cfg(test)]
mod tests;
