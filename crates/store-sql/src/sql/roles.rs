use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Row, query};

use super::filters::{count, listing, of_domain};
use super::{SqlResult, SqlStore, get_id, sql};
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::{Role, new_document_id, now_millis};
use gatehouse_core::query::{Filter, ListQuery, Subject};
use gatehouse_core::store::RoleStore;
use gatehouse_core::types::{Action, DomainId, RoleId};

pub(super) const ROLE_COLUMNS: &str = "id, document_id, domain_id, name, description, type, created_at, updated_at";

pub(super) fn role_from_row(row: &AnyRow) -> StoreResult<Role> {
    Ok(Role {
        id: get_id(row, "id")?,
        document_id: row.try_get("document_id").db()?,
        domain_id: get_id(row, "domain_id")?,
        name: row.try_get("name").db()?,
        description: row.try_get("description").db()?,
        kind: row.try_get("type").db()?,
        created_at: row.try_get("created_at").db()?,
        updated_at: row.try_get("updated_at").db()?,
    })
}

/// Keeps a permission listing (`p`, its role bound as $1) to the roles of the domain bound as $2.
const OF_DOMAIN: &str = " AND EXISTS (SELECT 1 FROM roles own WHERE own.id = p.role_id AND own.domain_id = $2)";

fn action_from_row(row: &AnyRow) -> StoreResult<Action> {
    Ok(Action::from_stored(row.try_get::<String, _>("action").db()?))
}

#[async_trait]
impl RoleStore for SqlStore {
    async fn insert_role(
        &self,
        domain_id: DomainId,
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
        .bind(domain_id.get())
        .bind(name)
        .bind(description.map(str::to_string))
        .bind(kind)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .db()?;
        role_from_row(&row)
    }

    async fn role_by_id(&self, domain_id: DomainId, id: RoleId) -> StoreResult<Option<Role>> {
        let row = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE id = $1 AND domain_id = $2")))
            .bind(id.get())
            .bind(domain_id.get())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn role_by_document_id(&self, domain_id: DomainId, document_id: &str) -> StoreResult<Option<Role>> {
        let row = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE document_id = $1 AND domain_id = $2")))
            .bind(document_id)
            .bind(domain_id.get())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn role_by_kind(&self, domain_id: DomainId, kind: &str) -> StoreResult<Option<Role>> {
        let row = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE domain_id = $1 AND type = $2")))
            .bind(domain_id.get())
            .bind(kind)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn list_roles(&self, domain_id: DomainId) -> StoreResult<Vec<Role>> {
        let rows = query(sql(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE domain_id = $1 ORDER BY id")))
            .bind(domain_id.get())
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(role_from_row).collect()
    }

    async fn query_roles(&self, domain_id: DomainId, list: &ListQuery) -> StoreResult<Vec<Role>> {
        let statement = self.bound(&listing(Subject::Role, ROLE_COLUMNS, domain_id.get(), list)?)?;
        let rows = statement.fetch_all(&self.pool).await.db()?;
        rows.iter().map(role_from_row).collect()
    }

    async fn count_roles_matching(&self, domain_id: DomainId, filter: Option<&Filter>) -> StoreResult<i64> {
        let statement = self.bound(&count(Subject::Role, domain_id.get(), filter)?)?;
        let row = statement.fetch_one(&self.pool).await.db()?;
        row.try_get("n").db()
    }

    async fn update_role(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        name: &str,
        description: Option<&str>,
    ) -> StoreResult<Option<Role>> {
        let row = query(sql(format!(
            "UPDATE roles SET name = $1, description = $2, updated_at = $3 WHERE id = $4 AND domain_id = $5 \
             RETURNING {ROLE_COLUMNS}"
        )))
        .bind(name)
        .bind(description.map(str::to_string))
        .bind(now_millis())
        .bind(role_id.get())
        .bind(domain_id.get())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn delete_role(&self, domain_id: DomainId, role_id: RoleId, heir: RoleId) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.db()?;
        let row = query("SELECT COUNT(*) AS n FROM roles WHERE domain_id = $1 AND id IN ($2, $3)")
            .bind(domain_id.get())
            .bind(role_id.get())
            .bind(heir.get())
            .fetch_one(&mut *tx)
            .await
            .db()?;
        if role_id == heir || row.try_get::<i64, _>("n").db()? != 2 {
            return Ok(false);
        }
        query("UPDATE users SET role_id = $1, updated_at = $2 WHERE role_id = $3 AND domain_id = $4")
            .bind(heir.get())
            .bind(now_millis())
            .bind(role_id.get())
            .bind(domain_id.get())
            .execute(&mut *tx)
            .await
            .db()?;
        query("DELETE FROM permissions WHERE role_id = $1").bind(role_id.get()).execute(&mut *tx).await.db()?;
        query("DELETE FROM roles WHERE id = $1").bind(role_id.get()).execute(&mut *tx).await.db()?;
        tx.commit().await.db()?;
        Ok(true)
    }

    async fn role_permissions(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Vec<Action>> {
        let rows =
            query(sql(format!("SELECT p.action FROM permissions p WHERE p.role_id = $1{OF_DOMAIN} ORDER BY p.action")))
                .bind(role_id.get())
                .bind(domain_id.get())
                .fetch_all(&self.pool)
                .await
                .db()?;
        rows.iter().map(action_from_row).collect()
    }

    async fn query_role_permissions(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        list: &ListQuery,
    ) -> StoreResult<Vec<Action>> {
        // Bound before any await: a statement is not Send.
        let statement = {
            let mut listing = listing(Subject::Permission, "p.action", role_id.get(), list)?;
            of_domain(&mut listing, domain_id.get());
            self.bound(&listing)?
        };
        let rows = statement.fetch_all(&self.pool).await.db()?;
        rows.iter().map(action_from_row).collect()
    }

    async fn count_role_permissions_matching(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        filter: Option<&Filter>,
    ) -> StoreResult<i64> {
        let statement = {
            let mut count = count(Subject::Permission, role_id.get(), filter)?;
            of_domain(&mut count, domain_id.get());
            self.bound(&count)?
        };
        let row = statement.fetch_one(&self.pool).await.db()?;
        row.try_get("n").db()
    }

    async fn set_role_permissions(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        actions: &[Action],
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.db()?;
        // First, so that a role of another domain is left as it is (and, on PostgreSQL, locked
        // against a concurrent delete until the new set is in).
        let touched = query("UPDATE roles SET updated_at = $1 WHERE id = $2 AND domain_id = $3")
            .bind(now_millis())
            .bind(role_id.get())
            .bind(domain_id.get())
            .execute(&mut *tx)
            .await
            .db()?;
        if touched.rows_affected() == 0 {
            return Ok(false);
        }
        query("DELETE FROM permissions WHERE role_id = $1").bind(role_id.get()).execute(&mut *tx).await.db()?;
        for action in actions {
            query("INSERT INTO permissions (role_id, action) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(role_id.get())
                .bind(action.as_str())
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()?;
        Ok(true)
    }
}
