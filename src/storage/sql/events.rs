use anyhow::Context;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore, sql};
use crate::core::error::StoreResult;
use crate::core::events::{Event, EventKind, NewEvent};
use crate::core::model::Millis;
use crate::core::store::{EventFilter, EventStore};

fn event_from_row(row: &AnyRow) -> StoreResult<Event> {
    let kind: String = row.try_get("type").db()?;
    let details: String = row.try_get("details").db()?;
    Ok(Event {
        id: row.try_get("id").db()?,
        kind: EventKind::parse(&kind).with_context(|| format!("unknown event type {kind}"))?,
        at: row.try_get("at").db()?,
        domain: row.try_get("domain").db()?,
        user: row.try_get("user_ref").db()?,
        actor: row.try_get("actor").db()?,
        details: serde_json::from_str(&details).context("corrupt event details")?,
    })
}

#[async_trait]
impl EventStore for SqlStore {
    async fn insert_event(&self, event: &NewEvent, at: Millis) -> StoreResult<i64> {
        let row = query(
            "INSERT INTO events (type, at, domain, user_ref, actor, details) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(event.kind.as_str())
        .bind(at)
        .bind(event.domain.clone())
        .bind(event.user.clone())
        .bind(event.actor.describe())
        .bind(event.details.to_string())
        .fetch_one(&self.pool)
        .await
        .db()?;
        row.try_get("id").db()
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
            statement = statement.bind(domain.clone());
        }
        if let Some(before) = filter.before {
            statement = statement.bind(before);
        }
        for kind in &filter.kinds {
            statement = statement.bind(kind.clone());
        }
        let rows = statement.bind(filter.limit).fetch_all(&self.pool).await.db()?;
        rows.iter().map(event_from_row).collect()
    }
}
