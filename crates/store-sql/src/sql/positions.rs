//! Checkpoints of users' positions, so that a deep offset in a large domain costs what a
//! shallow one does. `seek.rs` finds the user at a position by walking index entries from the
//! nearer end of the domain, one entry per position: 500,000 of them for the middle of a
//! million users. Here the key at every `EVERY`th position is found once, by one such walk,
//! and kept with the domain's change counter of that moment (`domains.user_changes`, moved
//! by the triggers of migration 0009 whenever a user is added, removed or renamed); a
//! position is then sought from the checkpoint below it, at most `EVERY` entries away. The
//! statement that uses a checkpoint compares the counter itself and walks from the end when
//! it has moved, so a checkpoint read by another node's change can only cost time, never
//! give a wrong page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{Row, query};

use super::{SqlResult, SqlStore, sql};
use gatehouse_core::error::StoreResult;
use gatehouse_core::types::DomainId;

/// Positions between two checkpoints.
const EVERY: i64 = 1024;
/// A domain whose users keep changing has its checkpoints found at most this often.
const REBUILD_PAUSE: Duration = Duration::from_secs(1);

/// The orders a position can be sought in: a unique key of the domain's users, indexed with
/// the domain first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Order {
    Id,
    Username,
}

impl Order {
    pub(crate) fn column(self) -> &'static str {
        match self {
            Order::Id => "id",
            Order::Username => "username",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Key {
    Id(i64),
    Name(String),
}

/// The keys at positions 0, EVERY, 2·EVERY… (ascending) of a domain at one counter value.
struct Checkpoints {
    changes: i64,
    count: i64,
    keys: Vec<Key>,
}

/// Where to start walking to a position: the key of the checkpoint below it, the entries
/// from there, and the counter under which that holds.
pub(crate) struct Seek {
    pub changes: i64,
    pub from: Key,
    pub walk: i64,
}

/// The checkpoints found so far, per domain and order, and when each was last looked for.
pub(crate) struct Positions {
    found: quick_cache::sync::Cache<(i64, Order), Arc<Checkpoints>>,
    sought: Mutex<HashMap<(i64, Order), Instant>>,
}

impl Default for Positions {
    fn default() -> Self {
        Self { found: quick_cache::sync::Cache::new(256), sought: Mutex::default() }
    }
}

impl SqlStore {
    /// How to reach the user at `position` of the domain in `order` from a checkpoint, when
    /// walking from the nearer end would cross more than one stretch between checkpoints.
    pub(crate) async fn seek(
        &self,
        domain_id: DomainId,
        order: Order,
        position: i64,
        descending: bool,
    ) -> StoreResult<Option<Seek>> {
        // Within the first stretch from the start of the listing, the walk is already short:
        // no need to read the domain's counters.
        if position < EVERY {
            return Ok(None);
        }
        let row = query("SELECT user_changes, user_count FROM domains WHERE id = $1")
            .bind(domain_id.get())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        let Some(row) = row else { return Ok(None) };
        let (changes, count): (i64, i64) = (row.try_get("user_changes").db()?, row.try_get("user_count").db()?);
        let ascending = if descending { count - 1 - position } else { position };
        if ascending < 0 || ascending >= count || ascending.min(count - 1 - ascending) < EVERY {
            return Ok(None);
        }
        let cache_key = (domain_id.get(), order);
        let checkpoints = match self.positions.found.get(&cache_key) {
            Some(found) if found.changes == changes => found,
            _ if !self.may_seek_checkpoints(cache_key) => return Ok(None),
            _ => {
                let found = Arc::new(self.find_checkpoints(domain_id, order).await?);
                self.positions.found.insert(cache_key, found.clone());
                found
            }
        };
        if checkpoints.changes != changes || checkpoints.count != count {
            return Ok(None);
        }
        let stretch = ascending / EVERY;
        Ok(checkpoints.keys.get(stretch as usize).map(|from| Seek {
            changes,
            from: from.clone(),
            walk: ascending - stretch * EVERY,
        }))
    }

    fn may_seek_checkpoints(&self, key: (i64, Order)) -> bool {
        let Ok(mut sought) = self.positions.sought.lock() else { return false };
        if sought.get(&key).is_some_and(|at| at.elapsed() < REBUILD_PAUSE) {
            return false;
        }
        if sought.len() > 1024 {
            sought.retain(|_, at| at.elapsed() < REBUILD_PAUSE);
        }
        sought.insert(key, Instant::now());
        true
    }

    /// One walk over the domain's index, keeping every `EVERY`th key (one statement: the
    /// counter and the keys are of one snapshot).
    async fn find_checkpoints(&self, domain_id: DomainId, order: Order) -> StoreResult<Checkpoints> {
        let key = order.column();
        let text = format!(
            "WITH RECURSIVE marks (n, k) AS ( \
             SELECT 0, (SELECT {key} FROM users WHERE domain_id = $1 ORDER BY {key} LIMIT 1) \
             UNION ALL \
             SELECT n + 1, (SELECT {key} FROM users WHERE domain_id = $1 AND {key} >= marks.k \
             ORDER BY {key} LIMIT 1 OFFSET $2) FROM marks WHERE marks.k IS NOT NULL) \
             SELECT d.user_changes, d.user_count, marks.k FROM marks, domains d \
             WHERE d.id = $1 AND marks.k IS NOT NULL ORDER BY marks.n"
        );
        let rows = query(sql(text)).bind(domain_id.get()).bind(EVERY).fetch_all(&self.pool).await.db()?;
        let (mut changes, mut count) = (-1, 0);
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            changes = row.try_get("user_changes").db()?;
            count = row.try_get("user_count").db()?;
            keys.push(match order {
                Order::Id => Key::Id(row.try_get("k").db()?),
                Order::Username => Key::Name(row.try_get("k").db()?),
            });
        }
        Ok(Checkpoints { changes, count, keys })
    }
}
