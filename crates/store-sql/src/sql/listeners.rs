//! Whether another node listens for event announcements (PostgreSQL). A lone node's
//! announcement wakes only its own listening connection, which has nothing to do with it:
//! the database still queues it, signals the listener's backend and sends it, and this node
//! reads it. So an event is announced only while another node's listening connection is seen.
//!
//! Each node's listening connection is named `gatehouse-relay <tag>`, the tag random per
//! process. Every [`LOOK_EVERY`] the node looks for another such name among the connections to
//! its database. A node that starts listening says hello on the channel, and the others
//! announce again as soon as they hear it; an event recorded before that is read by the
//! newcomer's relay on its timer. The events table is the truth: a skipped announcement
//! makes an event late (by the relay's poll interval at most), never lost.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{AnyPool, Row, query};

use super::SqlResult;
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::new_document_id;

/// The name every node's listening connection starts with.
const NAME_PREFIX: &str = "gatehouse-relay ";
/// How often the other nodes' listening connections are looked for.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// This node's listening connection's name, and whether another node's was seen.
pub(super) struct Listeners {
    name: String,
    /// Until the first look: yes, as announcing when nobody listens is only wasted work.
    others: AtomicBool,
}

impl Default for Listeners {
    fn default() -> Self {
        Self { name: format!("{NAME_PREFIX}{}", new_document_id()), others: AtomicBool::new(true) }
    }
}

impl Listeners {
    /// Whether an event recorded now is worth announcing.
    pub(super) fn others_listen(&self) -> bool {
        self.others.load(Ordering::Relaxed)
    }

    /// Opens this node's listening connection on `channel`, says hello on it, and starts
    /// looking for the other nodes' connections through `pool` (until this store is dropped
    /// or the pool closed).
    pub(super) async fn listen(self: &Arc<Self>, url: &str, channel: &str, pool: &AnyPool) -> StoreResult<PgListener> {
        let options = PgConnectOptions::from_str(url).db()?.application_name(&self.name);
        // A pool of one, which `PgListener` reconnects through when the connection is lost.
        let listening = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(options)
            .await
            .db()?;
        let mut listener = PgListener::connect_with(&listening).await.db()?;
        listener.ignore_pool_close_event(true);
        listener.listen(channel).await.db()?;
        query("SELECT pg_notify($1, $2)").bind(channel).bind(&self.name).execute(pool).await.db()?;
        tokio::spawn(look_for_others(pool.clone(), Arc::downgrade(self)));
        Ok(listener)
    }

    /// Takes in an announcement: a hello (true: not an event's) marks another node as listening
    /// when it is not this node's own.
    pub(super) fn hears(&self, payload: &str) -> bool {
        let hello = payload.starts_with(NAME_PREFIX);
        if hello && payload != self.name {
            self.others.store(true, Ordering::Relaxed);
        }
        hello
    }
}

async fn look_for_others(pool: AnyPool, listeners: Weak<Listeners>) {
    const OTHERS: &str = "SELECT EXISTS (SELECT 1 FROM pg_stat_activity \
                          WHERE datname = current_database() AND application_name LIKE $1 AND application_name <> $2) AS others";
    let pattern = format!("{NAME_PREFIX}%");
    let mut timer = tokio::time::interval(LOOK_EVERY);
    // A look that waited on an unreachable database is not followed by a burst of them.
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        let Some(listeners) = listeners.upgrade() else { return };
        if pool.is_closed() {
            return;
        }
        let seen = match query(OTHERS)
            .bind(&pattern)
            .bind(&listeners.name)
            .fetch_one(&pool)
            .await
            .and_then(|row| row.try_get::<bool, _>("others"))
        {
            Ok(seen) => seen,
            Err(e) => {
                tracing::debug!(error = %e, "cannot look for the other nodes' listening connections");
                true
            }
        };
        listeners.others.store(seen, Ordering::Relaxed);
    }
}
