//! The ceiling of scenario 12: one event delivered to many Server-Sent Events subscribers.
//!
//! `GET <path>/sse` opens a stream as Gatehouse's `/sse` does for `subscribeForEvents(limit:
//! 1)`: the response head and a keep-alive comment at once, then one event, then the end.
//! `POST <path>/event` makes the event: its JSON has the shape of Gatehouse's
//! (`data.audit.subscribeForEvents`, with `at` in Unix milliseconds, taken when the request
//! arrives), is serialised once and broadcast; each stream writes its own `id`/`data` framing
//! around the shared bytes, as Gatehouse's streams do. No GraphQL, no storage, no idle
//! timeout, no shutdown signal per stream: what is left is the runtime, hyper and the kernel.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

/// Gatehouse's keep-alive comment, sent as a stream opens.
const KEEPALIVE: &[u8] = b":\n\n";

/// Where events are broadcast to the open streams.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Bytes>,
}

impl Events {
    pub fn new() -> Self {
        Self { sender: broadcast::channel(16).0 }
    }
}

/// One stream: a keep-alive comment, the next event, the end.
pub async fn subscribe(State(events): State<Events>) -> Response {
    let stream = EventStream { receiver: BroadcastStream::new(events.sender.subscribe()), opened: false, ended: false };
    let headers = [(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")];
    (headers, Body::from_stream(stream)).into_response()
}

struct EventStream {
    receiver: BroadcastStream<Bytes>,
    opened: bool,
    ended: bool,
}

impl Stream for EventStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if !this.opened {
            this.opened = true;
            return Poll::Ready(Some(Ok(Bytes::from_static(KEEPALIVE))));
        }
        if this.ended {
            return Poll::Ready(None);
        }
        let next = ready!(this.receiver.poll_next_unpin(cx));
        // The end is known as soon as the event is: hyper writes both with one system call.
        this.ended = true;
        match next {
            Some(Ok(json)) => {
                let mut frame = Vec::with_capacity(json.len() + 16);
                frame.extend_from_slice(b"id: 1\ndata: ");
                frame.extend_from_slice(&json);
                frame.extend_from_slice(b"\n\n");
                Poll::Ready(Some(Ok(Bytes::from(frame))))
            }
            _ => Poll::Ready(None),
        }
    }
}

/// Sends one event to every open stream; answers how many were open.
pub async fn fire(State(events): State<Events>) -> Response {
    let at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let json = serde_json::json!({
        "data": { "audit": { "subscribeForEvents": { "id": 1, "type": "LOGIN_FAILED", "at": at as u64 } } }
    });
    let bytes = Bytes::from(json.to_string());
    let streams = events.sender.send(bytes).unwrap_or(0);
    ([(header::CONTENT_TYPE, "application/json")], serde_json::json!({ "streams": streams }).to_string())
        .into_response()
}
