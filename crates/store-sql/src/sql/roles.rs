use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::filters::{count, listing};
use super::{SqlResult, SqlStore, sql};
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::{Role, new_document_id, now_millis};
use gatehouse_core::query::{Filter, ListQuery, Subject};
use gatehouse_core::store::RoleStore;

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

#[async_trait]
impl RoleStore for SqlStore {
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

    async fn role_by_document_id(&self, domain_id: i64, document_id: &str) -> StoreResult<Option<Role>> {
        let row = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE document_id = $1 AND domain_id = $2")))
            .bind(document_id)
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

    async fn query_roles(&self, domain_id: i64, list: &ListQuery) -> StoreResult<Vec<Role>> {
        let statement = self.bound(&listing(Subject::Role, ROLE_COLUMNS, domain_id, list)?)?;
        let rows = statement.fetch_all(&self.pool).await.db()?;
        rows.iter().map(role_from_row).collect()
    }

    async fn count_roles_matching(&self, domain_id: i64, filter: Option<&Filter>) -> StoreResult<i64> {
        let statement = self.bound(&count(Subject::Role, domain_id, filter)?)?;
        let row = statement.fetch_one(&self.pool).await.db()?;
        row.try_get("n").db()
    }

    async fn update_role(&self, role_id: i64, name: &str, description: Option<&str>) -> StoreResult<Option<Role>> {
        let row = query(sql(format!(
            "UPDATE roles SET name = $1, description = $2, updated_at = $3 WHERE id = $4 RETURNING {ROLE_COLUMNS}"
        )))
        .bind(name)
        .bind(description.map(str::to_string))
        .bind(now_millis())
        .bind(role_id)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn delete_role(&self, role_id: i64, heir: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.db()?;
        query("UPDATE users SET role_id = $1, updated_at = $2 WHERE role_id = $3")
            .bind(heir)
            .bind(now_millis())
            .bind(role_id)
            .execute(&mut *tx)
            .await
            .db()?;
        query("DELETE FROM permissions WHERE role_id = $1").bind(role_id).execute(&mut *tx).await.db()?;
        query("DELETE FROM roles WHERE id = $1").bind(role_id).execute(&mut *tx).await.db()?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn role_permissions(&self, role_id: i64) -> StoreResult<Vec<String>> {
        let rows = query("SELECT action FROM permissions WHERE role_id = $1 ORDER BY action")
            .bind(role_id)
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(|r| r.try_get("action").db()).collect()
    }

    async fn query_role_permissions(&self, role_id: i64, list: &ListQuery) -> StoreResult<Vec<String>> {
        let statement = self.bound(&listing(Subject::Permission, "p.action", role_id, list)?)?;
        let rows = statement.fetch_all(&self.pool).await.db()?;
        rows.iter().map(|r| r.try_get("action").db()).collect()
    }

    async fn count_role_permissions_matching(&self, role_id: i64, filter: Option<&Filter>) -> StoreResult<i64> {
        let statement = self.bound(&count(Subject::Permission, role_id, filter)?)?;
        let row = statement.fetch_one(&self.pool).await.db()?;
        row.try_get("n").db()
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
}
