use anyhow::Context;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore, get_bool, get_id, sql};
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::{Domain, DomainStatus, Settings, new_document_id, now_millis};
use gatehouse_core::store::{DomainStore, StartingRole};
use gatehouse_core::types::{DomainId, DomainName};

const DOMAIN_COLUMNS: &str =
    "id, name, status, is_static, settings, admin_password_hash IS NOT NULL AS has_admin, created_at";

fn domain_from_row(row: &AnyRow) -> StoreResult<Domain> {
    let settings: String = row.try_get("settings").db()?;
    let settings: Settings = serde_json::from_str(&settings).context("corrupt domain settings")?;
    let status: String = row.try_get("status").db()?;
    Ok(Domain {
        id: get_id(row, "id")?,
        name: DomainName::from_stored(row.try_get::<String, _>("name").db()?),
        status: DomainStatus::parse(&status).with_context(|| format!("unknown domain status {status:?}"))?,
        is_static: get_bool(row, "is_static")?,
        settings,
        has_admin_password: get_bool(row, "has_admin")?,
        created_at: row.try_get("created_at").db()?,
    })
}

#[async_trait]
impl DomainStore for SqlStore {
    async fn insert_domain(
        &self,
        name: &DomainName,
        is_static: bool,
        settings: &Settings,
        roles: &[StartingRole<'_>],
    ) -> StoreResult<Domain> {
        let settings = serde_json::to_string(settings).context("encode settings")?;
        let now = now_millis();
        let mut tx = self.pool.begin().await.db()?;
        let row = query(sql(format!(
            "INSERT INTO domains (name, status, is_static, settings, created_at) \
             VALUES ($1, 'ENABLED', $2, $3, $4) RETURNING {DOMAIN_COLUMNS}"
        )))
        .bind(name.as_str())
        .bind(i64::from(is_static))
        .bind(settings)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let domain = domain_from_row(&row)?;
        for role in roles {
            let role_id: i64 = query(
                "INSERT INTO roles (document_id, domain_id, name, description, type, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(new_document_id())
            .bind(domain.id.get())
            .bind(role.name)
            .bind(role.description)
            .bind(role.kind)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .db()?
            .try_get("id")
            .db()?;
            for action in &role.actions {
                query("INSERT INTO permissions (role_id, action) VALUES ($1, $2)")
                    .bind(role_id)
                    .bind(action.as_str())
                    .execute(&mut *tx)
                    .await
                    .db()?;
            }
        }
        tx.commit().await.db()?;
        Ok(domain)
    }

    async fn domain_by_name(&self, name: &DomainName) -> StoreResult<Option<Domain>> {
        let row = query(sql(format!("SELECT {DOMAIN_COLUMNS} FROM domains WHERE name = $1")))
            .bind(name.as_str())
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

    async fn set_domain_static(&self, domain_id: DomainId, is_static: bool) -> StoreResult<()> {
        query("UPDATE domains SET is_static = $1 WHERE id = $2")
            .bind(i64::from(is_static))
            .bind(domain_id.get())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn set_domain_status(&self, domain_id: DomainId, status: DomainStatus) -> StoreResult<()> {
        query("UPDATE domains SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(domain_id.get())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn set_domain_settings(&self, domain_id: DomainId, settings: &Settings) -> StoreResult<()> {
        let settings = serde_json::to_string(settings).context("encode settings")?;
        query("UPDATE domains SET settings = $1 WHERE id = $2")
            .bind(settings)
            .bind(domain_id.get())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn domain_admin_hash(&self, domain_id: DomainId) -> StoreResult<Option<String>> {
        let row = query("SELECT admin_password_hash FROM domains WHERE id = $1")
            .bind(domain_id.get())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        match row {
            Some(row) => row.try_get("admin_password_hash").db(),
            None => Ok(None),
        }
    }

    async fn set_domain_admin_hash(&self, domain_id: DomainId, hash: Option<&str>) -> StoreResult<()> {
        query("UPDATE domains SET admin_password_hash = $1 WHERE id = $2")
            .bind(hash.map(str::to_string))
            .bind(domain_id.get())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn delete_domain(&self, domain_id: DomainId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.db()?;
        for statement in [
            "DELETE FROM permissions WHERE role_id IN (SELECT id FROM roles WHERE domain_id = $1)",
            "DELETE FROM sessions WHERE domain_id = $1",
            "DELETE FROM users WHERE domain_id = $1",
            "DELETE FROM email_templates WHERE domain_id = $1",
            "DELETE FROM roles WHERE domain_id = $1",
            "DELETE FROM domains WHERE id = $1",
        ] {
            query(statement).bind(domain_id.get()).execute(&mut *tx).await.db()?;
        }
        tx.commit().await.db()?;
        Ok(())
    }
}
