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
//!
//! Subscriptions with the same request and the same caller scope share one execution
//! (`fanout`): each result is executed and serialised once, and each stream only frames it.
//! A stream that falls [`fanout::BACKLOG`] results behind gets one last event, an error saying
//! so, and its end (`complete` first in graphql-sse), instead of skipping results silently.

mod fanout;

use std::convert::Infallible;
use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_graphql::{Executor, Response as GraphqlResponse};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream, Stream};
use futures_util::{FutureExt, StreamExt};
use tokio::sync::watch;
use tracing::field::Empty;
use tracing::instrument;

pub use fanout::{BACKLOG, Fanout, ShareKey};
use fanout::{Delivery, Subscription, serialise};

use super::graphql::{
    Endpoint, Mounted, Prepared, RequestHead, Shared, Transport, check_content_type, is_request_error, prepare,
    read_body, request_error_rejection,
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
/// The last event of a stream that fell behind.
const LAGGED: &str = "This stream fell behind and missed results; subscribe again";

/// One result as an SSE event, around its JSON serialised once (and shared by every stream of
/// an execution): one allocation and one copy of the JSON per stream. Compact JSON has no raw
/// newline, so one `data:` line suffices.
fn frame_json(framing: Framing, id: u64, json: &[u8]) -> Bytes {
    debug_assert!(!json.contains(&b'\n'));
    let mut event = Vec::with_capacity(json.len() + 32);
    match framing {
        Framing::Numbered => {
            let _ = write!(event, "id: {id}\ndata: ");
        }
        Framing::GraphqlSse => event.extend_from_slice(b"event: next\ndata: "),
    }
    event.extend_from_slice(json);
    event.extend_from_slice(b"\n\n");
    event.into()
}

/// Where a stream's results come from.
enum Results {
    /// An execution of its own.
    Own(BoxStream<'static, GraphqlResponse>),
    /// An execution shared with the streams of the same request and scope.
    Shared(Subscription),
}

impl Results {
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        match self {
            Results::Own(results) => {
                results.poll_next_unpin(cx).map(|next| next.map(|response| Delivery::Json(serialise(&response))))
            }
            Results::Shared(subscription) => subscription.poll_next(cx),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    /// `complete` is the next and last event.
    Completing,
    Ended,
}

/// The response body: results as events, keep-alive comments, and the end of the stream.
/// Its futures live as long as the stream, so that an event wakes it without registering
/// anything anew.
struct EventStream {
    results: Results,
    framing: Framing,
    next_id: u64,
    keepalive: Option<tokio::time::Interval>,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    phase: Phase,
    /// The endpoint's token for an open stream (the open-streams gauge), dropped with the stream.
    _open: Option<Box<dyn Send>>,
}

impl EventStream {
    /// The end of the stream in its framing: `complete` for graphql-sse.
    fn end(&mut self) -> Option<Bytes> {
        self.phase = Phase::Ended;
        (self.framing == Framing::GraphqlSse).then(|| Bytes::from_static(COMPLETE))
    }
}

impl Stream for EventStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.phase {
            Phase::Open => {}
            Phase::Completing => return Poll::Ready(this.end().map(Ok)),
            Phase::Ended => return Poll::Ready(None),
        }
        // A dropped sender means the server is gone: stop too.
        if let Some(shutdown) = &mut this.shutdown
            && shutdown.as_mut().poll(cx).is_ready()
        {
            this.phase = Phase::Ended;
            return Poll::Ready(None);
        }
        match this.results.poll_next(cx) {
            Poll::Ready(Some(Delivery::Json(json))) => {
                let event = frame_json(this.framing, this.next_id, &json);
                this.next_id += 1;
                return Poll::Ready(Some(Ok(event)));
            }
            Poll::Ready(Some(Delivery::Lagged(missed))) => {
                tracing::warn!(missed, "an event stream fell behind and was closed");
                let error = serde_json::json!({ "errors": [{ "message": LAGGED }] }).to_string();
                let event = frame_json(this.framing, this.next_id, error.as_bytes());
                this.phase = Phase::Completing;
                return Poll::Ready(Some(Ok(event)));
            }
            Poll::Ready(None) => return Poll::Ready(this.end().map(Ok)),
            Poll::Pending => {}
        }
        if let Some(keepalive) = &mut this.keepalive
            && keepalive.poll_tick(cx).is_ready()
        {
            return Poll::Ready(Some(Ok(Bytes::from_static(KEEPALIVE))));
        }
        Poll::Pending
    }
}

/// The response body of a stream of `results`.
fn event_body<E: Endpoint>(
    mounted: &Mounted<E>,
    results: Results,
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
    let shutdown = shutdown.map(|mut receiver| {
        let stopped = async move {
            let _ = receiver.wait_for(|stop| *stop).await;
        };
        Box::pin(stopped) as Pin<Box<dyn Future<Output = ()> + Send>>
    });
    let open = mounted.endpoint.stream_opened();
    Body::from_stream(EventStream {
        results,
        framing,
        next_id: 1,
        keepalive,
        shutdown,
        phase: Phase::Open,
        _open: open,
    })
}

/// The first thing a new execution does, found without waiting: validation, and a resolver
/// that answers or fails before its first await.
enum Start {
    /// A result at once (or the end): the stream runs on its own.
    Immediate(Option<Box<GraphqlResponse>>, BoxStream<'static, GraphqlResponse>),
    /// Nothing yet: the execution waits for events.
    Waiting(Results),
}

/// Joins the shared execution of the same request and scope, or starts one.
fn start<E: Endpoint>(mounted: &Mounted<E>, prepared: Prepared) -> Start {
    if let Some(key) = &prepared.share
        && let Some(subscription) = mounted.fanout.join(key)
    {
        return Start::Waiting(Results::Shared(subscription));
    }
    let mut results = mounted.endpoint.executor().execute_stream(prepared.request, None);
    match results.next().now_or_never() {
        Some(first) => Start::Immediate(first.map(Box::new), results),
        None => Start::Waiting(match prepared.share {
            Some(key) => Results::Shared(mounted.fanout.share(key, results)),
            None => Results::Own(results),
        }),
    }
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
        // Validation runs on the first poll without waiting on anything; so does a resolver that
        // fails before its first await. Either is answered as JSON instead of opening a stream.
        let results = match start(&mounted, prepared) {
            Start::Immediate(Some(response), _) if is_request_error(&response) => {
                return json_refusal(request_error_rejection(&mounted, *response, MediaType::GraphqlResponse));
            }
            Start::Immediate(Some(response), _) if response.data == async_graphql::Value::Null && response.is_err() => {
                let body = serde_json::to_string(&response).unwrap_or_default();
                return (StatusCode::OK, [(header::CONTENT_TYPE, MediaType::Json.content_type())], body)
                    .into_response();
            }
            Start::Immediate(Some(response), rest) => Results::Own(stream::iter([*response]).chain(rest).boxed()),
            Start::Immediate(None, _) => return stream_response(Body::empty()),
            Start::Waiting(results) => results,
        };
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
    let results = match start(mounted, prepared) {
        Start::Immediate(first, rest) => Results::Own(stream::iter(first.map(|first| *first)).chain(rest).boxed()),
        Start::Waiting(results) => results,
    };
    let body = event_body(mounted, results, Framing::GraphqlSse, shutdown.map(|s| s.0));
    stream_response(body)
}

#[cfg(test)]
mod tests;
