//! Rate-limit windows in the database, for a cluster. The clock is PostgreSQL's, so every
//! node measures a window the same way.

use async_trait::async_trait;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore, sql};
use crate::Backend;
use gatehouse_core::error::StoreResult;
use gatehouse_core::store::{RateStore, SharedWindow};

/// The database's time, in Unix milliseconds.
const NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

#[async_trait]
impl RateStore for SqlStore {
    fn shares_rate_windows(&self) -> bool {
        self.backend == Backend::Postgres
    }

    async fn hit_window(&self, key: &str, interval_ms: i64) -> StoreResult<SharedWindow> {
        let text = format!(
            "WITH now AS (SELECT {NOW_MS} AS ms) \
             INSERT INTO rate_windows (key, ends_at, hits) SELECT $1, now.ms + $2, 1 FROM now \
             ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_windows.ends_at <= (SELECT ms FROM now) THEN 1 ELSE rate_windows.hits + 1 END, \
               ends_at = CASE WHEN rate_windows.ends_at <= (SELECT ms FROM now) THEN (SELECT ms FROM now) + $2 \
                              ELSE rate_windows.ends_at END \
             RETURNING hits, ends_at - (SELECT ms FROM now) AS remaining_ms"
        );
        let row = query(sql(text)).bind(key).bind(interval_ms).fetch_one(&self.pool).await.db()?;
        Ok(SharedWindow { hits: row.try_get("hits").db()?, remaining_ms: row.try_get("remaining_ms").db()? })
    }

    async fn peek_window(&self, key: &str) -> StoreResult<Option<SharedWindow>> {
        let text = format!(
            "SELECT hits, ends_at - {NOW_MS} AS remaining_ms FROM rate_windows WHERE key = $1 AND ends_at > {NOW_MS}"
        );
        let row = query(sql(text)).bind(key).fetch_optional(&self.pool).await.db()?;
        row.map(|row| {
            Ok(SharedWindow { hits: row.try_get("hits").db()?, remaining_ms: row.try_get("remaining_ms").db()? })
        })
        .transpose()
    }

    async fn sweep_windows(&self) -> StoreResult<()> {
        let text = format!("DELETE FROM rate_windows WHERE ends_at <= {NOW_MS}");
        query(sql(text)).execute(&self.pool).await.db()?;
        Ok(())
    }
}
