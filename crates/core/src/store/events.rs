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

/// An event and the node that recorded it.
#[derive(Debug, Clone)]
pub struct NodeEvent {
    pub event: Event,
    pub node: Option<String>,
}

#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Stores the event, with the node that records it, and returns its id. Where other nodes
    /// share the database (PostgreSQL), also wakes them with the node's name (`NOTIFY`,
    /// delivered when the insert commits); a wake-up only: the table is the truth.
    async fn insert_event(&self, event: &NewEvent, at: Millis, node: &str) -> StoreResult<i64>;
    async fn list_events(&self, filter: &EventFilter) -> StoreResult<Vec<Event>>;
    /// How many events of each of `kinds` happened since `since`, in one domain or in all.
    async fn count_events(
        &self,
        domain: Option<&DomainName>,
        kinds: &[EventKind],
        since: Millis,
    ) -> StoreResult<HashMap<EventKind, i64>>;
    /// Up to `limit` events with an id above `after`, oldest first, each with the node that
    /// recorded it: what the relay catches up on.
    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<NodeEvent>>;
    /// The events of these ids that exist (the relay's gaps, recorded late or never).
    async fn events_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<NodeEvent>>;
    /// The highest event id, 0 when there is none.
    async fn last_event_id(&self) -> StoreResult<i64>;
    /// The wake-ups of every node (this one included), each the name of the node that sent it,
    /// or `None` when the backend has none.
    /// The stream survives reconnections; a wake-up sent while disconnected is lost, which is
    /// why the relay also looks at the table on its own.
    async fn event_announcements(&self) -> StoreResult<Option<BoxStream<'static, String>>>;
}
