use std::collections::HashMap;

use async_trait::async_trait;
use futures_util::stream::BoxStream;

use crate::error::StoreResult;
use crate::events::{Event, EventKind, NewEvent};
use crate::model::Millis;
use crate::types::DomainName;

/// Which events to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub domain: Option<DomainName>,
    pub kinds: Vec<EventKind>,
    /// Only events with an id lower than this.
    pub before: Option<i64>,
    pub limit: i64,
}

#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Stores the event and returns its id.
    async fn insert_event(&self, event: &NewEvent, at: Millis) -> StoreResult<i64>;
    async fn list_events(&self, filter: &EventFilter) -> StoreResult<Vec<Event>>;
    /// How many events of each of `kinds` happened since `since`, in one domain or in all.
    async fn count_events(
        &self,
        domain: Option<&DomainName>,
        kinds: &[EventKind],
        since: Millis,
    ) -> StoreResult<HashMap<EventKind, i64>>;
    /// Tells every node sharing the database about a recorded event (PostgreSQL `NOTIFY`);
    /// does nothing where there is no other node to tell (SQLite).
    async fn announce_event(&self, payload: &str) -> StoreResult<()>;
    /// The announcements of every node (this one included), or `None` when the backend has
    /// none. The stream survives reconnections; what is announced while disconnected is lost.
    async fn event_announcements(&self) -> StoreResult<Option<BoxStream<'static, String>>>;
}
