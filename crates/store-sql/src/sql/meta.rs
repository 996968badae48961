use async_trait::async_trait;
use sqlx::{Row, query};

use super::super::Backend;
use super::{SqlResult, SqlStore};
use gatehouse_core::error::StoreResult;
use gatehouse_core::store::{MetaStore, RequestLookups};

#[async_trait]
impl MetaStore for SqlStore {
    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        query("SELECT 1").execute(&self.pool).await.db()?;
        Ok(())
    }

    async fn meta_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .db()?;
        let row = query("SELECT value FROM meta WHERE key = $1").bind(key).fetch_one(&self.pool).await.db()?;
        row.try_get("value").db()
    }
}

/// Every request lookup reads the database; the core's caching layer stands in front.
impl RequestLookups for SqlStore {}
