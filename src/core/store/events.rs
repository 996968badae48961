use async_trait::async_trait;

use crate::core::error::StoreResult;
use crate::core::events::{Event, NewEvent};
use crate::core::model::Millis;

/// Which events to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub domain: Option<String>,
    pub kinds: Vec<String>,
    /// Only events with an id lower than this.
    pub before: Option<i64>,
    pub limit: i64,
}

#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Stores the event and returns its id.
    async fn insert_event(&self, event: &NewEvent, at: Millis) -> StoreResult<i64>;
    async fn list_events(&self, filter: &EventFilter) -> StoreResult<Vec<Event>>;
}
