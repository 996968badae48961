use std::collections::HashMap;

use async_trait::async_trait;
use futures_util::stream::BoxStream;

use super::CachedStore;
use crate::error::StoreResult;
use crate::events::{Event, EventKind, NewEvent};
use crate::model::Millis;
use crate::store::{EventFilter, EventStore, NodeEvent};
use crate::types::DomainName;

impl CachedStore {
    /// What an event reporting a change makes the caches forget.
    pub(super) fn observe(&self, kind: EventKind, domain: Option<&str>) {
        if !kind.may_change_accounts() {
            return;
        }
        if matches!(
            kind,
            EventKind::DomainAdded
                | EventKind::DomainRemoved
                | EventKind::DomainEnabled
                | EventKind::DomainDisabled
                | EventKind::DomainPasswordSet
                | EventKind::DomainPasswordDeleted
                | EventKind::SettingsChanged
        ) {
            self.forget_domains();
        }
        self.forget_accounts(domain);
    }

    /// Events read past the relay's cursor are news from the other nodes (and this node's own,
    /// whose changes were forgotten when recorded: forgetting again is harmless).
    fn observe_read(&self, events: &[NodeEvent]) {
        for NodeEvent { event: Event { kind, domain, .. }, .. } in events {
            self.observe(*kind, domain.as_deref());
        }
    }
}

#[async_trait]
impl EventStore for CachedStore {
    async fn insert_event(&self, event: &NewEvent, at: Millis, node: &str) -> StoreResult<i64> {
        // Before anything can fail: the change the event reports is already written.
        self.observe(event.kind, event.domain.as_deref());
        self.inner.insert_event(event, at, node).await
    }

    async fn list_events(&self, filter: &EventFilter) -> StoreResult<Vec<Event>> {
        self.inner.list_events(filter).await
    }

    async fn count_events(
        &self,
        domain: Option<&DomainName>,
        kinds: &[EventKind],
        since: Millis,
    ) -> StoreResult<HashMap<EventKind, i64>> {
        self.inner.count_events(domain, kinds, since).await
    }

    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<NodeEvent>> {
        let events = self.inner.events_after(after, limit).await?;
        self.observe_read(&events);
        Ok(events)
    }

    async fn events_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<NodeEvent>> {
        let events = self.inner.events_by_ids(ids).await?;
        self.observe_read(&events);
        Ok(events)
    }

    async fn last_event_id(&self) -> StoreResult<i64> {
        self.inner.last_event_id().await
    }

    async fn event_announcements(&self) -> StoreResult<Option<BoxStream<'static, String>>> {
        self.inner.event_announcements().await
    }
}
