use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore, get_bool, sql};
use crate::core::error::StoreResult;
use crate::core::model::{Millis, NewUser, User, new_document_id, now_millis};
use crate::core::store::UserStore;

pub(crate) const USER_COLUMNS: &str = "id, document_id, domain_id, username, email, provider, password_hash, \
     confirmed, blocked, role_id, token_version, created_at, updated_at, last_login_at";

pub(crate) fn user_from_row(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: row.try_get("id").db()?,
        document_id: row.try_get("document_id").db()?,
        domain_id: row.try_get("domain_id").db()?,
        username: row.try_get("username").db()?,
        email: row.try_get("email").db()?,
        provider: row.try_get("provider").db()?,
        password_hash: row.try_get("password_hash").db()?,
        confirmed: get_bool(row, "confirmed")?,
        blocked: get_bool(row, "blocked")?,
        role_id: row.try_get("role_id").db()?,
        token_version: row.try_get("token_version").db()?,
        created_at: row.try_get("created_at").db()?,
        updated_at: row.try_get("updated_at").db()?,
        last_login_at: row.try_get("last_login_at").db()?,
    })
}

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, user: &NewUser) -> StoreResult<User> {
        let now = now_millis();
        let row = query(sql(format!(
            "INSERT INTO users (document_id, domain_id, username, email, provider, password_hash, \
             confirmed, blocked, role_id, token_version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'local', $5, $6, $7, $8, 0, $9, $9) RETURNING {USER_COLUMNS}"
        )))
        .bind(new_document_id())
        .bind(user.domain_id)
        .bind(user.username.as_str())
        .bind(user.email.as_str())
        .bind(user.password_hash.clone())
        .bind(i64::from(user.confirmed))
        .bind(i64::from(user.blocked))
        .bind(user.role_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .db()?;
        user_from_row(&row)
    }

    async fn user_by_id(&self, domain_id: i64, id: i64) -> StoreResult<Option<User>> {
        let row = query(sql(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND domain_id = $2")))
            .bind(id)
            .bind(domain_id)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_login(&self, domain_id: i64, username: &str, email: &str) -> StoreResult<Option<User>> {
        // Two indexed lookups rather than one OR, which neither engine can serve from an index.
        for (column, value) in [("username", username), ("email", email)] {
            let row = query(sql(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE domain_id = $1 AND {column} = $2 AND provider = 'local' \
                 ORDER BY id LIMIT 1"
            )))
            .bind(domain_id)
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .db()?;
            if let Some(row) = row {
                return user_from_row(&row).map(Some);
            }
        }
        Ok(None)
    }

    async fn user_exists(&self, domain_id: i64, username: &str, email: &str) -> StoreResult<bool> {
        let row = query(
            "SELECT EXISTS (SELECT 1 FROM users WHERE domain_id = $1 AND username = $2) \
             OR EXISTS (SELECT 1 FROM users WHERE domain_id = $1 AND email = $3) AS taken",
        )
        .bind(domain_id)
        .bind(username)
        .bind(email)
        .fetch_one(&self.pool)
        .await
        .db()?;
        get_bool(&row, "taken")
    }

    async fn set_password_hash(&self, user_id: i64, hash: &str, revoke: bool, at: Millis) -> StoreResult<()> {
        query(
            "UPDATE users SET password_hash = $1, token_version = token_version + $2, updated_at = $3, \
             reset_token_hash = NULL, reset_token_expires_at = NULL WHERE id = $4",
        )
        .bind(hash)
        .bind(i64::from(revoke))
        .bind(at)
        .bind(user_id)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn record_login(&self, user_id: i64, at: Millis) -> StoreResult<()> {
        query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(at)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }
}
