use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::positions::Order;
use super::seek::{bind_seek, nth_user_key_from};
use super::{SqlResult, SqlStore, sql};
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
        // (PostgreSQL databases are created with the C collation); the page starts at the
        // username at `offset`, sought from the nearer end (`seek.rs`). PostgreSQL has no
        // negative LIMIT: "all" is the largest limit.
        let seek = self.seek(domain_id, Order::Username, offset, false).await?;
        let text = format!(
            "SELECT username FROM users WHERE domain_id = $1 AND username >= ({}) ORDER BY username LIMIT $3",
            nth_user_key_from("username", false, seek.as_ref())
        );
        let statement = query(sql(text)).bind(domain_id.get()).bind(offset).bind(limit.unwrap_or(i64::MAX));
        let rows = bind_seek(statement, seek.as_ref()).fetch_all(&self.pool).await.db()?;
        usernames(&rows)
    }

    async fn list_usernames_after(
        &self,
        domain_id: DomainId,
        after: Option<&Username>,
        limit: i64,
    ) -> StoreResult<Vec<Username>> {
        // A range of the (domain_id, username) index, as fast at any depth as on the first page.
        let rows = match after {
            Some(after) => {
                query("SELECT username FROM users WHERE domain_id = $1 AND username > $2 ORDER BY username LIMIT $3")
                    .bind(domain_id.get())
                    .bind(after.as_str())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                query("SELECT username FROM users WHERE domain_id = $1 ORDER BY username LIMIT $2")
                    .bind(domain_id.get())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
        };
        usernames(&rows.db()?)
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

fn usernames(rows: &[AnyRow]) -> StoreResult<Vec<Username>> {
    rows.iter().map(|r| Ok(Username::from_stored(r.try_get::<String, _>("username").db()?))).collect()
}
