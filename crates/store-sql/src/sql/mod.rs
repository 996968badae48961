//! The core's `Store` on sqlx's `Any` pool: the same statements run on SQLite and PostgreSQL.
//! One file per kind of record.

mod accounts;
mod binds;
mod bulk;
mod domains;
mod events;
mod filters;
mod listeners;
mod logins;
mod meta;
mod numbering;
mod positions;
mod rates;
mod roles;
mod rotations;
mod seek;
mod sessions;
mod statement;
mod templates;
mod unique;
mod users;

use std::sync::{Arc, OnceLock};

use sqlx::AnyPool;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Backend;
use gatehouse_core::error::{StoreError, StoreResult};

pub struct SqlStore {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// PostgreSQL: where event announcements are listened for (a dedicated connection).
    listen_url: Option<String>,
    /// PostgreSQL: whether other nodes listen, for events to be announced to.
    listeners: Arc<listeners::Listeners>,
    /// SQLite has one writer: the hot write transactions queue here rather than in SQLite's
    /// busy handler, which sleeps between its retries.
    write_gate: Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the refresh-token rotations' writer, started by the first rotation.
    rotations: OnceLock<rotations::Rotations>,
    /// Checkpoints of users' positions in large domains.
    positions: positions::Positions,
}

impl SqlStore {
    pub fn new(pool: AnyPool, backend: Backend) -> Self {
        Self {
            pool,
            backend,
            listen_url: None,
            listeners: Default::default(),
            write_gate: Arc::default(),
            rotations: OnceLock::new(),
            positions: Default::default(),
        }
    }

    /// The URL to open the `LISTEN` connection with (PostgreSQL only).
    pub fn with_listen_url(mut self, url: &str) -> Self {
        self.listen_url = (self.backend == Backend::Postgres).then(|| url.to_string());
        self
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The rotations' writer (SQLite), started on first use, from within the runtime.
    fn rotations(&self) -> &rotations::Rotations {
        self.rotations.get_or_init(|| rotations::Rotations::start(self.pool.clone(), self.write_gate.clone()))
    }

    /// Held for a write transaction on SQLite; nothing to wait for on PostgreSQL.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        }
    }
}

/// Maps unique violations to `Duplicate` with the rule they broke, everything else to an
/// opaque error.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Duplicate(unique::unique_key(db.as_ref()));
    }
    StoreError::Other(anyhow::Error::new(e))
}

pub(crate) trait SqlResult<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> SqlResult<T> for Result<T, sqlx::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(db_err)
    }
}

/// Booleans are stored as BIGINT; computed booleans come back as a bool on PostgreSQL.
pub(crate) fn get_bool(row: &AnyRow, column: &str) -> StoreResult<bool> {
    match row.try_get::<i64, _>(column) {
        Ok(v) => Ok(v != 0),
        Err(_) => row.try_get::<bool, _>(column).db(),
    }
}

/// An id column as the core's id type.
pub(crate) fn get_id<T: From<i64>>(row: &AnyRow, column: &str) -> StoreResult<T> {
    row.try_get::<i64, _>(column).map(T::from).db()
}

/// SQL built at run time from constant pieces (column lists), never from input.
pub(crate) fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}
