//! Rate-limit windows in the database, for a cluster. The clock is PostgreSQL's, so every
//! node measures a window the same way.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore, sql};
use crate::Backend;
use gatehouse_core::error::StoreResult;
use gatehouse_core::store::{RateStore, SharedWindow};

/// The database's time, in Unix milliseconds.
const NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

/// The common table expressions `now` (the database's time, in Unix milliseconds) and `hit`:
/// a hit counted on the window of the key in parameter `key`, a window that has ended starting
/// again with it and lasting the milliseconds in parameter `interval`; `hit` returns the
/// window's `hits` and `remaining_ms`.
pub(super) fn hit_ctes(key: &str, interval: &str) -> String {
    format!(
        "now AS (SELECT {NOW_MS} AS ms), \
         hit AS ( \
           INSERT INTO rate_windows (key, ends_at, hits) SELECT {key}, now.ms + {interval}, 1 FROM now \
           ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_windows.ends_at <= (SELECT ms FROM now) THEN 1 ELSE rate_windows.hits + 1 END, \
             ends_at = CASE WHEN rate_windows.ends_at <= (SELECT ms FROM now) THEN (SELECT ms FROM now) + {interval} \
                            ELSE rate_windows.ends_at END \
           RETURNING hits, ends_at - (SELECT ms FROM now) AS remaining_ms)"
    )
}

/// A window from a row with `hits` and `remaining_ms`.
pub(super) fn window_from_row(row: &AnyRow) -> StoreResult<SharedWindow> {
    Ok(SharedWindow { hits: row.try_get("hits").db()?, remaining_ms: row.try_get("remaining_ms").db()? })
}

#[async_trait]
impl RateStore for SqlStore {
    fn shares_rate_windows(&self) -> bool {
        self.backend == Backend::Postgres
    }

    async fn hit_window(&self, key: &str, interval_ms: i64) -> StoreResult<SharedWindow> {
        let text = format!("WITH {} SELECT hits, remaining_ms FROM hit", hit_ctes("$1", "$2"));
        let row = query(sql(text)).bind(key).bind(interval_ms).fetch_one(&self.pool).await.db()?;
        window_from_row(&row)
    }

    async fn peek_window(&self, key: &str) -> StoreResult<Option<SharedWindow>> {
        let text = format!(
            "SELECT hits, ends_at - {NOW_MS} AS remaining_ms FROM rate_windows WHERE key = $1 AND ends_at > {NOW_MS}"
        );
        let row = query(sql(text)).bind(key).fetch_optional(&self.pool).await.db()?;
        row.map(|row| window_from_row(&row)).transpose()
    }

    async fn sweep_windows(&self) -> StoreResult<()> {
        let text = format!("DELETE FROM rate_windows WHERE ends_at <= {NOW_MS}");
        query(sql(text)).execute(&self.pool).await.db()?;
        Ok(())
    }
}
