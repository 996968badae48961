//! Bringing the events other nodes record to this node's subscribers. The audit table is the
//! truth: the relay reads every event past the last one it handled, woken by the other
//! nodes' notifications and, in case one is lost (a reconnect of the listening connection, a
//! database restart), by a timer. Ids are taken in one order and committed in another, so a
//! hole in the ids is kept as a gap and asked for again until its event shows up or the
//! gap grows old (a rolled-back insert leaves a hole for good).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::watch;
use tokio::time::Instant;

use super::Audit;
use crate::store::NodeEvent;

/// How often the table is read without a wake-up.
const POLL: Duration = Duration::from_secs(1);
/// How long a hole in the ids is asked for.
const GAP_LIFETIME: Duration = Duration::from_secs(30);
/// Events read per query.
const BATCH: i64 = 500;

/// Where the relay is in the table.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    last: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Cursor {
    pub(crate) fn at(last: i64) -> Self {
        Self { last, gaps: BTreeMap::new() }
    }

    /// Takes a batch read past `last` (in id order) and the gaps' events that showed up;
    /// returns the events not seen before, in the order to deliver them.
    pub(crate) fn advance(
        &mut self,
        after_last: Vec<NodeEvent>,
        from_gaps: Vec<NodeEvent>,
        now: Instant,
    ) -> Vec<NodeEvent> {
        let mut fresh = Vec::new();
        for event in from_gaps {
            if self.gaps.remove(&event.event.id).is_some() {
                fresh.push(event);
            }
        }
        for event in after_last {
            let id = event.event.id;
            if id <= self.last {
                continue;
            }
            for missing in self.last + 1..id {
                self.gaps.insert(missing, now);
            }
            self.last = id;
            fresh.push(event);
        }
        self.gaps.retain(|_, seen| now.duration_since(*seen) < GAP_LIFETIME);
        fresh
    }

    pub(crate) fn gaps(&self) -> Vec<i64> {
        self.gaps.keys().copied().collect()
    }

    fn last(&self) -> i64 {
        self.last
    }
}

/// A started relay; [`EventRelay::run`] publishes until the node stops.
pub struct EventRelay {
    audit: Arc<Audit>,
    wakeups: BoxStream<'static, String>,
    cursor: Cursor,
}

impl EventRelay {
    /// Publishes on this node the events other nodes record, until `stop` turns true.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut timer = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                wakeup = self.wakeups.next() => {
                    let Some(sender) = wakeup else { return };
                    // Wake-ups that queued meanwhile are answered by the same read of the table:
                    // a busy cluster costs a query per burst, not per event. This node's own
                    // need none (its events were published when recorded); the timer's reads
                    // move the cursor past them.
                    let mut from_others = sender != self.audit.events.node;
                    while let Some(Some(sender)) = self.wakeups.next().now_or_never() {
                        from_others |= sender != self.audit.events.node;
                    }
                    if !from_others {
                        continue;
                    }
                }
                _ = timer.tick() => {}
                _ = stop.wait_for(|stop| *stop) => return,
            }
            if let Err(e) = self.audit.catch_up(&mut self.cursor).await {
                tracing::warn!(error = %e, "event relay: cannot read the audit table; will retry");
            }
            // The table was just read: the timer is for the silences between wake-ups.
            timer.reset();
        }
    }
}

impl Audit {
    /// Starts relaying the events other nodes record: listens for their wake-ups and notes the
    /// last event so far, so that a subscriber served after this sees every later event. None
    /// when the storage has no other nodes (SQLite). Called before the listeners accept.
    pub async fn start_relay(self: &Arc<Self>) -> crate::CoreResult<Option<EventRelay>> {
        let Some(wakeups) = self.store.event_announcements().await? else { return Ok(None) };
        let cursor = Cursor::at(self.store.last_event_id().await?);
        Ok(Some(EventRelay { audit: Arc::clone(self), wakeups, cursor }))
    }

    async fn catch_up(&self, cursor: &mut Cursor) -> crate::CoreResult<()> {
        let from_gaps = self.store.events_by_ids(&cursor.gaps()).await?;
        let mut from_gaps = Some(from_gaps);
        loop {
            let batch = self.store.events_after(cursor.last(), BATCH).await?;
            let full = batch.len() as i64 == BATCH;
            let fresh = cursor.advance(batch, from_gaps.take().unwrap_or_default(), Instant::now());
            // This node's own events were published when they were recorded. The caching layer
            // forgot what the others' changed as it read them.
            for NodeEvent { event, .. } in fresh.into_iter().filter(|e| e.node.as_deref() != Some(&self.events.node)) {
                self.events.publish(event);
            }
            if !full {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Event, EventKind};

    fn event(id: i64) -> NodeEvent {
        let event = Event {
            id,
            kind: EventKind::UserCreated,
            at: 0,
            domain: None,
            user: None,
            actor: String::new(),
            details: serde_json::Value::Null,
        };
        NodeEvent { event, node: None }
    }

    fn ids(events: &[NodeEvent]) -> Vec<i64> {
        events.iter().map(|e| e.event.id).collect()
    }

    #[test]
    fn holes_are_asked_for_until_they_show_up_or_grow_old() {
        let start = Instant::now();
        let mut cursor = Cursor::at(10);
        let fresh = cursor.advance(vec![event(11), event(13), event(14)], vec![], start);
        assert_eq!(ids(&fresh), [11, 13, 14]);
        assert_eq!(cursor.gaps(), [12]);
        // Already seen: not again.
        assert!(cursor.advance(vec![event(14)], vec![], start).is_empty());
        // The late commit arrives.
        let fresh = cursor.advance(vec![event(15)], vec![event(12)], start + Duration::from_secs(1));
        assert_eq!(ids(&fresh), [12, 15]);
        assert!(cursor.gaps().is_empty());
        // A hole that never fills is dropped after a while.
        cursor.advance(vec![event(17)], vec![], start);
        assert_eq!(cursor.gaps(), [16]);
        cursor.advance(vec![], vec![], start + GAP_LIFETIME);
        assert!(cursor.gaps().is_empty());
    }
}
