use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore, sql};
use gatehouse_core::error::StoreResult;
use gatehouse_core::events::{Event, EventKind, NewEvent};
use gatehouse_core::model::Millis;
use gatehouse_core::store::{EventFilter, EventStore, NodeEvent};
use gatehouse_core::types::{DomainId, DomainName, UserId};

/// The PostgreSQL channel events are announced on.
const CHANNEL: &str = "gatehouse_events";

fn parse_kind(kind: &str) -> StoreResult<EventKind> {
    Ok(EventKind::parse(kind).with_context(|| format!("unknown event type {kind:?}"))?)
}

fn event_from_row(row: &AnyRow) -> StoreResult<Event> {
    let kind: String = row.try_get("type").db()?;
    let details: String = row.try_get("details").db()?;
    Ok(Event {
        id: row.try_get("id").db()?,
        kind: parse_kind(&kind)?,
        at: row.try_get("at").db()?,
        domain: row.try_get("domain").db()?,
        user: row.try_get("user_ref").db()?,
        actor: row.try_get("actor").db()?,
        details: serde_json::from_str(&details).context("corrupt event details")?,
    })
}

fn node_event_from_row(row: &AnyRow) -> StoreResult<NodeEvent> {
    Ok(NodeEvent { event: event_from_row(row)?, node: row.try_get("node").db()? })
}

/// A login's user, whose login time is set with the event's insertion.
pub(super) struct LoginOf {
    pub(super) domain_id: DomainId,
    pub(super) user_id: UserId,
}

impl SqlStore {
    /// Inserts `event` in one statement: while other nodes listen, their wake-up goes in it
    /// (sent when it commits), and with `login` (PostgreSQL only: SQLite has no `UPDATE` in a
    /// `WITH`) the user's login time is set to `at` in it too. One round trip per event, not two
    /// or three.
    pub(super) async fn insert_event_with(
        &self,
        event: &NewEvent,
        at: Millis,
        node: &str,
        login: Option<LoginOf>,
    ) -> StoreResult<i64> {
        const INSERT: &str = "INSERT INTO events (type, at, domain, user_ref, actor, details, node) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        const INSERTED: &str = "inserted AS (INSERT INTO events (type, at, domain, user_ref, actor, details, node) \
                                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)";
        const TOUCHED: &str = "touched AS (UPDATE users SET last_login_at = $2 WHERE id = $8 AND domain_id = $9)";
        let announced = self.listen_url.is_some() && self.listeners.others_listen();
        // Placeholders: the event's $1 to $7, then the login's user and domain, then the channel.
        let text = match (&login, announced) {
            (None, false) => INSERT.to_string(),
            (None, true) => format!("WITH {INSERTED} SELECT id FROM inserted, pg_notify($8, $7)"),
            (Some(_), false) => format!("WITH {TOUCHED}, {INSERTED} SELECT id FROM inserted"),
            (Some(_), true) => format!("WITH {TOUCHED}, {INSERTED} SELECT id FROM inserted, pg_notify($10, $7)"),
        };
        let statement = query(sql(text))
            .bind(event.kind.as_str())
            .bind(at)
            .bind(event.domain.clone())
            .bind(event.user.clone())
            .bind(event.actor.describe())
            .bind(event.details.to_string())
            .bind(node);
        let statement = match login {
            Some(login) => statement.bind(login.user_id.get()).bind(login.domain_id.get()),
            None => statement,
        };
        let statement = if announced { statement.bind(CHANNEL) } else { statement };
        let row = statement.fetch_one(&self.pool).await.db()?;
        row.try_get("id").db()
    }
}

#[async_trait]
impl EventStore for SqlStore {
    async fn insert_event(&self, event: &NewEvent, at: Millis, node: &str) -> StoreResult<i64> {
        self.insert_event_with(event, at, node, None).await
    }

    async fn list_events(&self, filter: &EventFilter) -> StoreResult<Vec<Event>> {
        // Placeholders are numbered as the optional conditions are added.
        let mut conditions = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.domain.is_some() {
            conditions.push(format!("domain = {}", next()));
        }
        if filter.before.is_some() {
            conditions.push(format!("id < {}", next()));
        }
        if !filter.kinds.is_empty() {
            let list: Vec<String> = filter.kinds.iter().map(|_| next()).collect();
            conditions.push(format!("type IN ({})", list.join(", ")));
        }
        let limit = next();
        let where_clause =
            if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let text = format!(
            "SELECT id, type, at, domain, user_ref, actor, details FROM events {where_clause} ORDER BY id DESC LIMIT {limit}"
        );
        let mut statement = query(sql(text));
        if let Some(domain) = &filter.domain {
            statement = statement.bind(domain.to_string());
        }
        if let Some(before) = filter.before {
            statement = statement.bind(before);
        }
        for kind in &filter.kinds {
            statement = statement.bind(kind.as_str());
        }
        let rows = statement.bind(filter.limit).fetch_all(&self.pool).await.db()?;
        rows.iter().map(event_from_row).collect()
    }

    async fn count_events(
        &self,
        domain: Option<&DomainName>,
        kinds: &[EventKind],
        since: Millis,
    ) -> StoreResult<HashMap<EventKind, i64>> {
        if kinds.is_empty() {
            return Ok(HashMap::new());
        }
        // $1 is the time, $2 the domain when given, then one placeholder per kind.
        let first_kind = if domain.is_some() { 3 } else { 2 };
        let list: Vec<String> = (0..kinds.len()).map(|i| format!("${}", first_kind + i)).collect();
        let domain_condition = if domain.is_some() { "AND domain = $2" } else { "" };
        let text = format!(
            "SELECT type, COUNT(*) AS n FROM events WHERE at >= $1 {domain_condition} AND type IN ({}) GROUP BY type",
            list.join(", ")
        );
        let mut statement = query(sql(text)).bind(since);
        if let Some(domain) = domain {
            statement = statement.bind(domain.to_string());
        }
        for kind in kinds {
            statement = statement.bind(kind.as_str());
        }
        let rows = statement.fetch_all(&self.pool).await.db()?;
        let mut counts = HashMap::new();
        for row in rows {
            let kind: String = row.try_get("type").db()?;
            counts.insert(parse_kind(&kind)?, row.try_get::<i64, _>("n").db()?);
        }
        Ok(counts)
    }

    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<NodeEvent>> {
        let rows = query(
            "SELECT id, type, at, domain, user_ref, actor, details, node FROM events WHERE id > $1 ORDER BY id LIMIT $2",
        )
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(node_event_from_row).collect()
    }

    async fn events_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<NodeEvent>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let text = format!(
            "SELECT id, type, at, domain, user_ref, actor, details, node FROM events WHERE id IN ({}) ORDER BY id",
            list.join(", ")
        );
        let statement = ids.iter().fold(query(sql(text)), |q, id| q.bind(*id));
        let rows = statement.fetch_all(&self.pool).await.db()?;
        rows.iter().map(node_event_from_row).collect()
    }

    async fn last_event_id(&self) -> StoreResult<i64> {
        let row = query("SELECT COALESCE(MAX(id), 0) AS last FROM events").fetch_one(&self.pool).await.db()?;
        row.try_get("last").db()
    }

    async fn event_announcements(&self) -> StoreResult<Option<BoxStream<'static, String>>> {
        let Some(url) = &self.listen_url else { return Ok(None) };
        let listener = self.listeners.listen(url, CHANNEL, &self.pool).await?;
        // `recv` reconnects by itself; when it cannot, wait and try again.
        let heard = (listener, Arc::clone(&self.listeners));
        let stream = futures_util::stream::unfold(heard, |(mut listener, listeners)| async move {
            loop {
                match listener.recv().await {
                    Ok(notification) if listeners.hears(notification.payload()) => {}
                    Ok(notification) => return Some((notification.payload().to_string(), (listener, listeners))),
                    Err(e) => {
                        tracing::warn!(error = %e, "event announcements: connection lost, retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Some(stream.boxed()))
    }
}
