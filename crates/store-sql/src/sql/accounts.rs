use async_trait::async_trait;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore};
use gatehouse_core::error::StoreResult;
use gatehouse_core::store::{AccountStore, UserCounts};
use gatehouse_core::types::{DomainId, Username};

#[async_trait]
impl AccountStore for SqlStore {
    async fn count_users(&self, domain_id: DomainId) -> StoreResult<i64> {
        // Kept by the triggers of migration 0004.
        let row = query("SELECT user_count AS n FROM domains WHERE id = $1")
            .bind(domain_id.get())
            .fetch_one(&self.pool)
            .await
            .db()?;
        row.try_get("n").db()
    }

    async fn list_usernames(&self, domain_id: DomainId, limit: Option<i64>, offset: i64) -> StoreResult<Vec<Username>> {
        // Served by the (domain_id, username) unique index, in byte order on both backends
        // (PostgreSQL databases are created with the C collation). SQLite has no OFFSET
        // without LIMIT and PostgreSQL no negative LIMIT: "all" is the largest limit.
        let rows = query("SELECT username FROM users WHERE domain_id = $1 ORDER BY username LIMIT $2 OFFSET $3")
            .bind(domain_id.get())
            .bind(limit.unwrap_or(i64::MAX))
            .bind(offset)
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(|r| Ok(Username::from_stored(r.try_get::<String, _>("username").db()?))).collect()
    }

    async fn user_counts(&self, domain_id: Option<DomainId>) -> StoreResult<UserCounts> {
        // COUNT (not SUM) so that both backends answer a BIGINT.
        let row = match domain_id {
            Some(id) => query(
                "SELECT COUNT(*) AS registered, COUNT(CASE WHEN confirmed = 1 THEN 1 END) AS confirmed, \
                 COUNT(CASE WHEN blocked = 1 THEN 1 END) AS blocked FROM users WHERE domain_id = $1",
            )
            .bind(id.get())
            .fetch_one(&self.pool)
            .await
            .db()?,
            None => query(
                "SELECT COUNT(*) AS registered, COUNT(CASE WHEN confirmed = 1 THEN 1 END) AS confirmed, \
                 COUNT(CASE WHEN blocked = 1 THEN 1 END) AS blocked FROM users",
            )
            .fetch_one(&self.pool)
            .await
            .db()?,
        };
        Ok(UserCounts {
            registered: row.try_get("registered").db()?,
            confirmed: row.try_get("confirmed").db()?,
            blocked: row.try_get("blocked").db()?,
        })
    }
}
