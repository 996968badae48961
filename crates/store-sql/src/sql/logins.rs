//! A login's rate-limit hit and user lookup in one statement (PostgreSQL, which keeps the
//! windows).

use async_trait::async_trait;
use sqlx::{Row, query};

use super::rates::{hit_ctes, window_from_row};
use super::users::{user_by_login_sql, user_from_row};
use super::{SqlResult, SqlStore, sql};
use crate::Backend;
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::User;
use gatehouse_core::store::{LoginLookup, RateStore, SharedWindow, UserStore};
use gatehouse_core::types::DomainId;

#[async_trait]
impl LoginLookup for SqlStore {
    async fn user_by_login_counted(
        &self,
        domain_id: DomainId,
        username: &str,
        email: &str,
        key: &str,
        interval_ms: i64,
    ) -> StoreResult<(Option<User>, SharedWindow)> {
        // Not called on SQLite, which counts in memory; answered all the same, in two trips.
        if self.backend != Backend::Postgres {
            let window = self.hit_window(key, interval_ms).await?;
            return Ok((self.user_by_login(domain_id, username, email).await?, window));
        }
        // `hit` always returns its one row; the user's columns are null when no user matches.
        let text = format!(
            "WITH {} SELECT hit.hits, hit.remaining_ms, named.* FROM hit LEFT JOIN ({}) AS named ON true",
            hit_ctes("$4", "$5"),
            user_by_login_sql()
        );
        let row = query(sql(text))
            .bind(domain_id.get())
            .bind(username)
            .bind(email)
            .bind(key)
            .bind(interval_ms)
            .fetch_one(&self.pool)
            .await
            .db()?;
        let found = match row.try_get::<Option<i64>, _>("id").db()? {
            Some(_) => Some(user_from_row(&row)?),
            None => None,
        };
        Ok((found, window_from_row(&row)?))
    }
}
