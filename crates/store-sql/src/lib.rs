//! Storage on SQLite (embedded default) or PostgreSQL, behind `core::store::Store`.
//! One set of portable SQL through sqlx's `Any` driver; migrations per dialect.

mod sql;
pub mod strapi;
pub mod testing;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::Connection;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateError, Migrator};

pub use sql::SqlStore;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");
/// How long a pooled connection may sit unused before it is tested as it is taken.
const IDLE_BEFORE_TEST: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres }
    }
}

/// Opens (creating an SQLite file when needed) and migrates the database at `url`.
pub async fn open(url: &str, pool_size: u32) -> anyhow::Result<Arc<SqlStore>> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of(url);
    let url = match backend {
        Backend::Sqlite if !url.contains("mode=") => {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        }
        _ => url.to_string(),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(pool_size.max(1))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx tests each connection it returns to the pool; testing it again when it is taken
        // costs every statement a second round trip. A connection is tested when it was idle
        // long enough for the server or the network to have dropped it meanwhile.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_TEST {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL survives a process crash without losing a committed write;
                    // NORMAL sync is safe under WAL and much faster than FULL.
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .with_context(|| format!("cannot open storage at {}", redact(&url)))?;
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    // Several processes may start at once on a new database. PostgreSQL's migrations hold an
    // advisory lock (sqlx takes it); SQLite's do not, so a lock file beside the database is
    // locked while they run. Never the database file itself: closing any descriptor of it
    // drops every POSIX lock this process holds on it, SQLite's included, and another process
    // closing its connection would then take itself for the last one and remove the WAL
    // from under ours.
    let _migrating = match (backend, sqlite_file(&url)) {
        (Backend::Sqlite, Some(file)) => Some(lock_file(file).await?),
        _ => None,
    };
    migrator.run(&pool).await.map_err(|e| match e {
        MigrateError::VersionMissing(v) => anyhow::anyhow!(
            "the database was migrated by a newer Gatehouse (schema version {v} is unknown to this binary); refusing to start"
        ),
        other => anyhow::Error::new(other).context("database migration failed"),
    })?;
    Ok(Arc::new(SqlStore::new(pool, backend).with_listen_url(&url)))
}

/// The file of an SQLite URL (`sqlite://path?mode=rwc`), none for an in-memory database.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.into())
}

/// An exclusive lock on `<database>-migrate.lock`, held until the file is dropped.
async fn lock_file(database: std::path::PathBuf) -> anyhow::Result<std::fs::File> {
    let mut path = database.into_os_string();
    path.push("-migrate.lock");
    let path = std::path::PathBuf::from(path);
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(file)
    })
    .await?
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
