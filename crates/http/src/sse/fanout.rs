//! One execution of a subscription shared by every stream that asked for the same thing: the
//! same document text, operation name and variables, from callers of the same scope (the
//! endpoint's [`Endpoint::stream_scope`](crate::Endpoint::stream_scope): for the admin API, the
//! global admin, or the admin of one domain). Each result is serialised to JSON once and
//! broadcast as shared bytes; each stream adds only its own framing.
//!
//! A stream joins a shared execution only before that execution's first result: from then on,
//! a new stream starts its own, so that what it receives (and where a `limit` ends it) is
//! exactly what an execution of its own would give. The execution ends when its last stream
//! leaves. A stream that falls more than [`BACKLOG`] results behind the others is told so in
//! one last event and closed (see `super::EventStream`), without holding anyone back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};

use async_graphql::Response as GraphqlResponse;
use axum::body::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// Results a shared execution keeps for its slowest stream, beyond what the sockets hold.
pub const BACKLOG: usize = 64;

/// What decides whether two subscription requests can share one execution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShareKey {
    scope: String,
    query: String,
    operation_name: Option<String>,
    /// The variables as JSON (as sent: the same values in another order do not share).
    variables: String,
}

impl ShareKey {
    pub fn new(scope: String, request: &async_graphql::Request) -> Self {
        Self {
            scope,
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).unwrap_or_default(),
        }
    }
}

/// A result as every stream of a shared execution receives it.
#[derive(Debug, Clone)]
enum Shared {
    /// One result, serialised.
    Json(Bytes),
    /// The last result, then the end.
    Last(Bytes),
    /// The execution completed.
    End,
}

/// What a stream gets from its results, whether its own or shared.
#[derive(Debug)]
pub enum Delivery {
    /// One result as compact JSON.
    Json(Bytes),
    /// The stream fell behind and this many results were lost to it.
    Lagged(u64),
}

/// The result as compact JSON; compact JSON has no raw newline.
pub fn serialise(response: &GraphqlResponse) -> Bytes {
    match serde_json::to_vec(response) {
        Ok(json) => json.into(),
        Err(_) => Bytes::from_static(br#"{"errors":[{"message":"unserialisable result"}]}"#),
    }
}

type Results = BoxStream<'static, GraphqlResponse>;

/// The shared executions of one endpoint that streams can still join.
#[derive(Default, Clone)]
pub struct Fanout {
    joinable: Arc<Mutex<HashMap<ShareKey, Weak<Execution>>>>,
}

impl Fanout {
    /// A stream of the joinable execution for `key`, if there is one.
    pub fn join(&self, key: &ShareKey) -> Option<Subscription> {
        let joinable = self.lock();
        let execution = joinable.get(key)?.upgrade()?;
        // Under the lock: the execution cannot send its first result before this stream listens.
        let receiver = execution.sender.subscribe();
        drop(joinable);
        Some(Subscription::new(receiver, execution))
    }

    /// Shares `results`, an execution for `key` that has not produced anything yet, and
    /// returns its first stream. Must be called within a Tokio runtime.
    pub fn share(&self, key: ShareKey, results: Results) -> Subscription {
        let (sender, receiver) = broadcast::channel(BACKLOG);
        let upstream = Arc::new(Mutex::new(Some(results)));
        let execution = Arc::new_cyclic(|this: &Weak<Execution>| {
            // Joinable before its first result can close it. Another request for the same key
            // may have started one meanwhile: that one keeps serving its streams, and new
            // streams join this one.
            self.lock().insert(key.clone(), this.clone());
            let pump = tokio::spawn(pump(upstream.clone(), sender.clone(), self.clone(), key.clone(), this.clone()));
            Execution { key, sender, upstream, pump, fanout: self.clone() }
        });
        Subscription::new(receiver, execution)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ShareKey, Weak<Execution>>> {
        self.joinable.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// No new stream joins `execution` from now on.
    fn close(&self, key: &ShareKey, execution: *const Execution) {
        let mut joinable = self.lock();
        if joinable.get(key).is_some_and(|entry| std::ptr::eq(entry.as_ptr(), execution)) {
            joinable.remove(key);
        }
    }
}

/// The execution shared by its streams, each holding it; it ends when the last one leaves.
struct Execution {
    key: ShareKey,
    sender: broadcast::Sender<Shared>,
    /// Taken (and dropped, ending the execution) by the last stream to leave.
    upstream: Arc<Mutex<Option<Results>>>,
    pump: JoinHandle<()>,
    fanout: Fanout,
}

impl Drop for Execution {
    fn drop(&mut self) {
        self.fanout.close(&self.key, self);
        // Dropped here rather than when the aborted task is next polled: resources the
        // execution holds (a subscription to the event bus) are released at once.
        let upstream = self.upstream.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        drop(upstream);
        self.pump.abort();
    }
}

/// The execution's next result: `Some(None)` at its end, `None` once every stream left.
fn poll_upstream(upstream: &Mutex<Option<Results>>, cx: &mut Context<'_>) -> Poll<Option<Option<GraphqlResponse>>> {
    let mut slot = upstream.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match slot.as_mut() {
        Some(results) => results.poll_next_unpin(cx).map(Some),
        None => Poll::Ready(None),
    }
}

/// Polls the shared execution and broadcasts each result, serialised once.
async fn pump(
    upstream: Arc<Mutex<Option<Results>>>,
    sender: broadcast::Sender<Shared>,
    fanout: Fanout,
    key: ShareKey,
    execution: Weak<Execution>,
) {
    let mut next = std::future::poll_fn(|cx| poll_upstream(&upstream, cx)).await;
    let mut open = true;
    loop {
        let Some(result) = next else { return };
        if open {
            fanout.close(&key, execution.as_ptr());
            open = false;
        }
        // In the sends below, no stream listening is not an error: the last one is leaving.
        let Some(response) = result else {
            let _ = sender.send(Shared::End);
            return;
        };
        let json = serialise(&response);
        // An end that follows at once (a `limit` reached) travels with the last result, so
        // that each stream is woken once and writes both together.
        let peeked = std::future::poll_fn(|cx| Poll::Ready(poll_upstream(&upstream, cx))).await;
        if let Poll::Ready(Some(None)) = peeked {
            let _ = sender.send(Shared::Last(json));
            return;
        }
        let _ = sender.send(Shared::Json(json));
        next = match peeked {
            Poll::Ready(ready) => ready,
            Poll::Pending => std::future::poll_fn(|cx| poll_upstream(&upstream, cx)).await,
        };
    }
}

/// One stream's place in a shared execution.
pub struct Subscription {
    receiver: BroadcastStream<Shared>,
    /// The execution's last result was received.
    ended: bool,
    _execution: Arc<Execution>,
}

impl Subscription {
    fn new(receiver: broadcast::Receiver<Shared>, execution: Arc<Execution>) -> Self {
        Self { receiver: BroadcastStream::new(receiver), ended: false, _execution: execution }
    }

    /// The next result; `None` once the execution completed.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        if self.ended {
            return Poll::Ready(None);
        }
        self.receiver.poll_next_unpin(cx).map(|received| match received {
            Some(Ok(Shared::Json(json))) => Some(Delivery::Json(json)),
            Some(Ok(Shared::Last(json))) => {
                self.ended = true;
                Some(Delivery::Json(json))
            }
            Some(Err(BroadcastStreamRecvError::Lagged(missed))) => Some(Delivery::Lagged(missed)),
            Some(Ok(Shared::End)) | None => None,
        })
    }
}
