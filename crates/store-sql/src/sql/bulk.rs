//! Bulk import and export: multi-row statements inside one transaction per batch.

use async_trait::async_trait;
use sqlx::{Row, query};

use super::roles::{ROLE_COLUMNS, role_from_row};
use super::{SqlResult, SqlStore, get_bool, get_id, sql};
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::Role;
use gatehouse_core::model::{new_document_id, now_millis};
use gatehouse_core::store::{BulkStore, BulkUser, ExportedUser, ImportedRole, NumberedTable};
use gatehouse_core::types::{DomainId, Email, UserId, Username};

/// Rows per INSERT statement (up to 11 bound values each). Binding costs time quadratic in the
/// number of parameters of a statement on SQLite (sqlx looks each parameter's name up in a
/// list), so statements of about 700 values import 100,000 users about twice as fast as
/// statements of 3,500 did.
const ROWS_PER_STATEMENT: usize = 64;

/// Values per `IN (...)` list of an existence check.
const VALUES_PER_LOOKUP: usize = 500;

/// `$first, $first+1, ...`: `count` placeholders.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// One multi-row INSERT of `rows` (with their own ids when `with_id`), skipping usernames the
/// domain has; answers the usernames inserted.
fn insert_statement<'q>(
    domain_id: DomainId,
    now: i64,
    rows: &[&'q BulkUser],
    with_id: bool,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let per_row = if with_id { 11 } else { 10 };
    // $1 (the domain) is shared by every row.
    let values = (0..rows.len())
        .map(|i| {
            let p: Vec<String> = (0..per_row).map(|k| format!("${}", 2 + i * per_row + k)).collect();
            format!("({}, $1, 0)", p.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let id_column = if with_id { "id, " } else { "" };
    let text = format!(
        "INSERT INTO users ({id_column}document_id, username, email, provider, password_hash, confirmed, blocked, \
         role_id, created_at, updated_at, domain_id, token_version) VALUES {values} \
         ON CONFLICT (domain_id, username) DO NOTHING RETURNING username"
    );
    let mut statement = query(sql(text)).bind(domain_id.get());
    for user in rows {
        if with_id {
            statement = statement.bind(user.id.map(UserId::get));
        }
        let created_at = user.created_at.unwrap_or(now);
        statement = statement
            .bind(user.document_id.clone().unwrap_or_else(new_document_id))
            .bind(user.username.as_str())
            .bind(user.email.as_str())
            .bind(user.provider.as_deref().unwrap_or("local"))
            .bind(user.password_hash.as_deref())
            .bind(i64::from(user.confirmed))
            .bind(i64::from(user.blocked))
            .bind(user.role_id.map(|id| id.get()))
            .bind(created_at)
            .bind(user.updated_at.unwrap_or(created_at));
    }
    statement
}

impl SqlStore {
    /// Those of `values` present in `column` for the domain; `column` is a constant.
    async fn existing_values(&self, domain_id: DomainId, column: &str, values: &[&str]) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in values.chunks(VALUES_PER_LOOKUP) {
            let text = format!(
                "SELECT {column} AS value FROM users WHERE domain_id = $1 AND {column} IN ({})",
                placeholders(2, chunk.len())
            );
            let statement = chunk.iter().fold(query(sql(text)).bind(domain_id.get()), |q, v| q.bind(*v));
            for row in statement.fetch_all(&self.pool).await.db()? {
                found.push(row.try_get("value").db()?);
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl BulkStore for SqlStore {
    async fn existing_usernames(&self, domain_id: DomainId, usernames: &[Username]) -> StoreResult<Vec<Username>> {
        let values: Vec<&str> = usernames.iter().map(Username::as_str).collect();
        let found = self.existing_values(domain_id, "username", &values).await?;
        Ok(found.into_iter().map(Username::from_stored).collect())
    }

    async fn existing_emails(&self, domain_id: DomainId, emails: &[Email]) -> StoreResult<Vec<Email>> {
        let values: Vec<&str> = emails.iter().map(Email::as_str).collect();
        let found = self.existing_values(domain_id, "email", &values).await?;
        Ok(found.into_iter().map(Email::from_stored).collect())
    }

    async fn insert_users_bulk(&self, domain_id: DomainId, users: &[BulkUser]) -> StoreResult<Vec<Username>> {
        let now = now_millis();
        let mut inserted = Vec::with_capacity(users.len());
        let mut tx = self.pool.begin().await.db()?;
        // Rows with an id of their own and rows the database numbers go in separate statements.
        let (numbered, unnumbered): (Vec<&BulkUser>, Vec<&BulkUser>) = users.iter().partition(|u| u.id.is_some());
        for (rows, with_id) in [(numbered, true), (unnumbered, false)] {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let statement = insert_statement(domain_id, now, chunk, with_id);
                for row in statement.fetch_all(&mut *tx).await.db()? {
                    inserted.push(Username::from_stored(row.try_get::<String, _>("username").db()?));
                }
            }
        }
        tx.commit().await.db()?;
        Ok(inserted)
    }

    async fn highest_id_issued(&self, table: NumberedTable) -> StoreResult<i64> {
        self.highest_id(table).await
    }

    async fn reserve_ids(&self, table: NumberedTable, through: i64) -> StoreResult<()> {
        self.advance_ids(table, through).await
    }

    async fn document_ids_in_use(&self, table: NumberedTable, document_ids: &[String]) -> StoreResult<Vec<String>> {
        self.document_ids_taken(table, document_ids).await
    }

    async fn insert_imported_role(&self, domain_id: DomainId, role: &ImportedRole) -> StoreResult<Role> {
        let (id_column, id_value) = if role.id.is_some() { ("id, ", "$8, ") } else { ("", "") };
        let text = format!(
            "INSERT INTO roles ({id_column}document_id, domain_id, name, description, type, created_at, updated_at) \
             VALUES ({id_value}$1, $2, $3, $4, $5, $6, $7) RETURNING {ROLE_COLUMNS}"
        );
        let mut statement = query(sql(text))
            .bind(role.document_id.clone().unwrap_or_else(new_document_id))
            .bind(domain_id.get())
            .bind(role.name.clone())
            .bind(role.description.clone())
            .bind(role.kind.clone())
            .bind(role.created_at)
            .bind(role.updated_at);
        if let Some(id) = role.id {
            statement = statement.bind(id.get());
        }
        let row = statement.fetch_one(&self.pool).await.db()?;
        role_from_row(&row)
    }

    async fn export_users(
        &self,
        domain_id: DomainId,
        after: Option<UserId>,
        limit: i64,
    ) -> StoreResult<Vec<ExportedUser>> {
        // Row ids start at 1 on both backends.
        let after_id = after.map_or(0, UserId::get);
        let rows = query(
            "SELECT u.id, u.username, u.email, u.password_hash, u.confirmed, u.blocked, r.type AS role, u.created_at \
             FROM users u LEFT JOIN roles r ON r.id = u.role_id \
             WHERE u.domain_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3",
        )
        .bind(domain_id.get())
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                Ok(ExportedUser {
                    id: get_id(row, "id")?,
                    username: Username::from_stored(row.try_get::<String, _>("username").db()?),
                    email: Email::from_stored(row.try_get::<String, _>("email").db()?),
                    password_hash: row.try_get("password_hash").db()?,
                    confirmed: get_bool(row, "confirmed")?,
                    blocked: get_bool(row, "blocked")?,
                    role: row.try_get("role").db()?,
                    created_at: row.try_get("created_at").db()?,
                })
            })
            .collect()
    }
}
