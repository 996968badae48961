//! `Store` on sqlx's `Any` pool: the same statements run on SQLite and PostgreSQL.

use anyhow::Context;
use async_trait::async_trait;
use sqlx::AnyPool;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::Backend;
use crate::core::error::{StoreError, StoreResult};
use crate::core::model::{
    Domain, DomainStatus, Millis, NewUser, Role, Settings, User, new_document_id, now_millis,
};
use crate::core::store::Store;

pub struct SqlStore {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    pub fn new(pool: AnyPool, backend: Backend) -> Self {
        Self { pool, backend }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Maps unique violations to `Duplicate`, everything else to an opaque error.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Duplicate;
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

const DOMAIN_COLUMNS: &str =
    "id, name, status, is_static, settings, admin_password_hash IS NOT NULL AS has_admin, created_at";

fn domain_from_row(row: &AnyRow) -> StoreResult<Domain> {
    let settings: String = row.try_get("settings").db()?;
    let settings: Settings = serde_json::from_str(&settings).context("corrupt domain settings")?;
    Ok(Domain {
        id: row.try_get("id").db()?,
        name: row.try_get("name").db()?,
        status: DomainStatus::parse(&row.try_get::<String, _>("status").db()?),
        is_static: get_bool(row, "is_static")?,
        settings,
        has_admin_password: get_bool(row, "has_admin")?,
        created_at: row.try_get("created_at").db()?,
    })
}

/// Booleans are stored as BIGINT; computed booleans come back as a bool on PostgreSQL.
fn get_bool(row: &AnyRow, column: &str) -> StoreResult<bool> {
    match row.try_get::<i64, _>(column) {
        Ok(v) => Ok(v != 0),
        Err(_) => row.try_get::<bool, _>(column).db(),
    }
}

const ROLE_COLUMNS: &str = "id, document_id, domain_id, name, description, type, created_at, updated_at";

fn role_from_row(row: &AnyRow) -> StoreResult<Role> {
    Ok(Role {
        id: row.try_get("id").db()?,
        document_id: row.try_get("document_id").db()?,
        domain_id: row.try_get("domain_id").db()?,
        name: row.try_get("name").db()?,
        description: row.try_get("description").db()?,
        kind: row.try_get("type").db()?,
        created_at: row.try_get("created_at").db()?,
        updated_at: row.try_get("updated_at").db()?,
    })
}

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

/// SQL built at run time from constant pieces (column lists), never from input.
pub(crate) fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}

#[async_trait]
impl Store for SqlStore {
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

    async fn insert_domain(&self, name: &str, is_static: bool, settings: &Settings) -> StoreResult<Domain> {
        let settings = serde_json::to_string(settings).context("encode settings")?;
        let row = query(sql(format!(
            "INSERT INTO domains (name, status, is_static, settings, created_at) \
             VALUES ($1, 'ENABLED', $2, $3, $4) RETURNING {DOMAIN_COLUMNS}"
        )))
        .bind(name)
        .bind(i64::from(is_static))
        .bind(settings)
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
        .db()?;
        domain_from_row(&row)
    }

    async fn domain_by_name(&self, name: &str) -> StoreResult<Option<Domain>> {
        let row = query(sql(format!("SELECT {DOMAIN_COLUMNS} FROM domains WHERE name = $1")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(domain_from_row).transpose()
    }

    async fn list_domains(&self) -> StoreResult<Vec<Domain>> {
        let rows = query(sql(format!("SELECT {DOMAIN_COLUMNS} FROM domains ORDER BY name")))
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(domain_from_row).collect()
    }

    async fn set_domain_static(&self, domain_id: i64, is_static: bool) -> StoreResult<()> {
        query("UPDATE domains SET is_static = $1 WHERE id = $2")
            .bind(i64::from(is_static))
            .bind(domain_id)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn set_domain_status(&self, domain_id: i64, status: DomainStatus) -> StoreResult<()> {
        query("UPDATE domains SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(domain_id)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn set_domain_settings(&self, domain_id: i64, settings: &Settings) -> StoreResult<()> {
        let settings = serde_json::to_string(settings).context("encode settings")?;
        query("UPDATE domains SET settings = $1 WHERE id = $2")
            .bind(settings)
            .bind(domain_id)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn domain_admin_hash(&self, domain_id: i64) -> StoreResult<Option<String>> {
        let row = query("SELECT admin_password_hash FROM domains WHERE id = $1")
            .bind(domain_id)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        match row {
            Some(row) => row.try_get("admin_password_hash").db(),
            None => Ok(None),
        }
    }

    async fn set_domain_admin_hash(&self, domain_id: i64, hash: Option<&str>) -> StoreResult<()> {
        query("UPDATE domains SET admin_password_hash = $1 WHERE id = $2")
            .bind(hash.map(str::to_string))
            .bind(domain_id)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn delete_domain(&self, domain_id: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.db()?;
        for statement in [
            "DELETE FROM permissions WHERE role_id IN (SELECT id FROM roles WHERE domain_id = $1)",
            "DELETE FROM users WHERE domain_id = $1",
            "DELETE FROM roles WHERE domain_id = $1",
            "DELETE FROM domains WHERE id = $1",
        ] {
            query(statement).bind(domain_id).execute(&mut *tx).await.db()?;
        }
        tx.commit().await.db()?;
        Ok(())
    }

    async fn insert_role(
        &self,
        domain_id: i64,
        name: &str,
        description: Option<&str>,
        kind: &str,
    ) -> StoreResult<Role> {
        let now = now_millis();
        let row = query(sql(format!(
            "INSERT INTO roles (document_id, domain_id, name, description, type, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {ROLE_COLUMNS}"
        )))
        .bind(new_document_id())
        .bind(domain_id)
        .bind(name)
        .bind(description.map(str::to_string))
        .bind(kind)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .db()?;
        role_from_row(&row)
    }

    async fn role_by_id(&self, domain_id: i64, id: i64) -> StoreResult<Option<Role>> {
        let row = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE id = $1 AND domain_id = $2")))
            .bind(id)
            .bind(domain_id)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn role_by_kind(&self, domain_id: i64, kind: &str) -> StoreResult<Option<Role>> {
        let row = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE domain_id = $1 AND type = $2")))
            .bind(domain_id)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn list_roles(&self, domain_id: i64) -> StoreResult<Vec<Role>> {
        let rows = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE domain_id = $1 ORDER BY id")))
            .bind(domain_id)
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(role_from_row).collect()
    }

    async fn role_permissions(&self, role_id: i64) -> StoreResult<Vec<String>> {
        let rows = query("SELECT action FROM permissions WHERE role_id = $1 ORDER BY action")
            .bind(role_id)
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(|r| r.try_get("action").db()).collect()
    }

    async fn set_role_permissions(&self, role_id: i64, actions: &[String]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.db()?;
        query("DELETE FROM permissions WHERE role_id = $1").bind(role_id).execute(&mut *tx).await.db()?;
        for action in actions {
            query("INSERT INTO permissions (role_id, action) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(role_id)
                .bind(action.as_str())
                .execute(&mut *tx)
                .await
                .db()?;
        }
        query("UPDATE roles SET updated_at = $1 WHERE id = $2")
            .bind(now_millis())
            .bind(role_id)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(())
    }

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
