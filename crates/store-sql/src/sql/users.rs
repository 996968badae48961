use async_trait::async_trait;
use sqlx::any::AnyArguments;
use sqlx::any::AnyRow;
use sqlx::query::Query;
use sqlx::{Any, Row, query};

use super::binds::{Bind, Binds};
use super::events::LoginOf;
use super::filters::{count, listing};
use super::positions::Order;
use super::seek::{bind_seek, deep_in_id_order, users_from_position};
use super::{SqlResult, SqlStore, get_bool, get_id, sql};
use crate::Backend;
use gatehouse_core::error::StoreResult;
use gatehouse_core::events::NewEvent;
use gatehouse_core::model::{Millis, NewUser, User, new_document_id, now_millis};
use gatehouse_core::query::{Filter, ListQuery, Subject};
use gatehouse_core::store::{AccountStore, EventStore, TokenPurpose, UserChanges, UserStore};
use gatehouse_core::types::{DomainId, Email, RoleId, UserId, Username};

pub(crate) const USER_COLUMNS: &str = "id, document_id, domain_id, username, email, provider, password_hash, \
     confirmed, blocked, role_id, token_version, created_at, updated_at, last_login_at";

pub(crate) fn user_from_row(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: get_id(row, "id")?,
        document_id: row.try_get("document_id").db()?,
        domain_id: get_id(row, "domain_id")?,
        username: Username::from_stored(row.try_get::<String, _>("username").db()?),
        email: Email::from_stored(row.try_get::<String, _>("email").db()?),
        provider: row.try_get("provider").db()?,
        password_hash: row.try_get("password_hash").db()?,
        confirmed: get_bool(row, "confirmed")?,
        blocked: get_bool(row, "blocked")?,
        role_id: row.try_get::<Option<i64>, _>("role_id").db()?.map(Into::into),
        token_version: row.try_get("token_version").db()?,
        created_at: row.try_get("created_at").db()?,
        updated_at: row.try_get("updated_at").db()?,
        last_login_at: row.try_get("last_login_at").db()?,
    })
}

/// The user a login names, by username or else by email (parameters 1 to 3: the domain's id,
/// the username, the email). Two indexed lookups rather than one OR, which neither engine can
/// serve from an index, in one statement: a login by email costs one round trip, as one by
/// username does.
pub(super) fn user_by_login_sql() -> String {
    format!(
        "SELECT {USER_COLUMNS} FROM ( \
           SELECT 0 AS by_email, {USER_COLUMNS} FROM users \
             WHERE domain_id = $1 AND username = $2 AND provider = 'local' \
           UNION ALL \
           SELECT 1 AS by_email, {USER_COLUMNS} FROM users \
             WHERE domain_id = $1 AND email = $3 AND provider = 'local' \
         ) AS found ORDER BY by_email, id LIMIT 1"
    )
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
        .bind(user.domain_id.get())
        .bind(user.username.as_str())
        .bind(user.email.as_str())
        .bind(user.password_hash.clone())
        .bind(i64::from(user.confirmed))
        .bind(i64::from(user.blocked))
        .bind(user.role_id.map(|id| id.get()))
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .db()?;
        user_from_row(&row)
    }

    async fn user_by_id(&self, domain_id: DomainId, id: UserId) -> StoreResult<Option<User>> {
        self.one_user(
            query(sql(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND domain_id = $2")))
                .bind(id.get())
                .bind(domain_id.get()),
        )
        .await
    }

    async fn user_by_document_id(&self, domain_id: DomainId, document_id: &str) -> StoreResult<Option<User>> {
        self.one_user(
            query(sql(format!("SELECT {USER_COLUMNS} FROM users WHERE document_id = $1 AND domain_id = $2")))
                .bind(document_id)
                .bind(domain_id.get()),
        )
        .await
    }

    async fn user_by_username(&self, domain_id: DomainId, username: &Username) -> StoreResult<Option<User>> {
        self.one_user(
            query(sql(format!("SELECT {USER_COLUMNS} FROM users WHERE domain_id = $1 AND username = $2")))
                .bind(domain_id.get())
                .bind(username.as_str()),
        )
        .await
    }

    async fn user_by_email(&self, domain_id: DomainId, email: &Email) -> StoreResult<Option<User>> {
        self.one_user(
            query(sql(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE domain_id = $1 AND email = $2 AND provider = 'local' \
             ORDER BY id LIMIT 1"
            )))
            .bind(domain_id.get())
            .bind(email.as_str()),
        )
        .await
    }

    async fn user_by_login(&self, domain_id: DomainId, username: &str, email: &str) -> StoreResult<Option<User>> {
        let row = query(sql(user_by_login_sql()))
            .bind(domain_id.get())
            .bind(username)
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.map(|row| user_from_row(&row)).transpose()
    }

    async fn user_exists(&self, domain_id: DomainId, username: &str, email: &str) -> StoreResult<bool> {
        let row = query(
            "SELECT EXISTS (SELECT 1 FROM users WHERE domain_id = $1 AND username = $2) \
             OR EXISTS (SELECT 1 FROM users WHERE domain_id = $1 AND email = $3) AS taken",
        )
        .bind(domain_id.get())
        .bind(username)
        .bind(email)
        .fetch_one(&self.pool)
        .await
        .db()?;
        get_bool(&row, "taken")
    }

    async fn username_taken(
        &self,
        domain_id: DomainId,
        username: &Username,
        except: Option<UserId>,
    ) -> StoreResult<bool> {
        self.taken("username", domain_id, username, except).await
    }

    async fn email_taken(&self, domain_id: DomainId, email: &Email, except: Option<UserId>) -> StoreResult<bool> {
        self.taken("email", domain_id, email, except).await
    }

    async fn set_password_hash(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        hash: &str,
        revoke: bool,
        at: Millis,
    ) -> StoreResult<()> {
        query(
            "UPDATE users SET password_hash = $1, token_version = token_version + $2, updated_at = $3, \
             reset_token_hash = NULL, reset_token_expires_at = NULL WHERE id = $4 AND domain_id = $5",
        )
        .bind(hash)
        .bind(i64::from(revoke))
        .bind(at)
        .bind(user_id.get())
        .bind(domain_id.get())
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn record_login(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        event: &NewEvent,
        at: Millis,
        node: &str,
    ) -> StoreResult<i64> {
        // SQLite has no `UPDATE` in a `WITH`: two statements there.
        if self.backend == Backend::Postgres {
            return self.insert_event_with(event, at, node, Some(LoginOf { domain_id, user_id })).await;
        }
        query("UPDATE users SET last_login_at = $1 WHERE id = $2 AND domain_id = $3")
            .bind(at)
            .bind(user_id.get())
            .bind(domain_id.get())
            .execute(&self.pool)
            .await
            .db()?;
        self.insert_event(event, at, node).await
    }

    async fn update_user(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        changes: &UserChanges,
        at: Millis,
    ) -> StoreResult<Option<User>> {
        let (assignments, binds) = changes_sql(changes, 3);
        let statement = query(sql(format!(
            "UPDATE users SET {assignments} WHERE id = $1 AND domain_id = $3 RETURNING {USER_COLUMNS}"
        )))
        .bind(user_id.get())
        .bind(at)
        .bind(domain_id.get());
        self.one_user(binds.apply(statement)).await
    }

    async fn delete_user(&self, domain_id: DomainId, user_id: UserId) -> StoreResult<bool> {
        let done = query("DELETE FROM users WHERE id = $1 AND domain_id = $2")
            .bind(user_id.get())
            .bind(domain_id.get())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_users(&self, domain_id: DomainId, list: &ListQuery) -> StoreResult<Vec<User>> {
        let statement = match deep_in_id_order(list) {
            Some(descending) => {
                let seek = self.seek(domain_id, Order::Id, list.window.start, descending).await?;
                let statement = query(sql(users_from_position(USER_COLUMNS, descending, seek.as_ref())))
                    .bind(domain_id.get())
                    .bind(list.window.start)
                    .bind(list.window.limit.unwrap_or(i64::MAX));
                bind_seek(statement, seek.as_ref())
            }
            None => self.bound(&listing(Subject::User, USER_COLUMNS, domain_id.get(), list)?)?,
        };
        let rows = statement.fetch_all(&self.pool).await.db()?;
        rows.iter().map(user_from_row).collect()
    }

    async fn count_users_matching(&self, domain_id: DomainId, filter: Option<&Filter>) -> StoreResult<i64> {
        if filter.is_none() {
            // Every user of the domain: the count kept by the triggers of migration 0004.
            return self.count_users(domain_id).await;
        }
        let statement = self.bound(&count(Subject::User, domain_id.get(), filter)?)?;
        let row = statement.fetch_one(&self.pool).await.db()?;
        row.try_get("n").db()
    }

    async fn count_users_with_role(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<i64> {
        let row = query("SELECT COUNT(*) AS n FROM users WHERE role_id = $1 AND domain_id = $2")
            .bind(role_id.get())
            .bind(domain_id.get())
            .fetch_one(&self.pool)
            .await
            .db()?;
        row.try_get("n").db()
    }

    async fn set_user_token(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        purpose: TokenPurpose,
        hash: &str,
        expires_at: Millis,
    ) -> StoreResult<()> {
        let (hash_column, expiry_column) = token_columns(purpose);
        query(sql(format!(
            "UPDATE users SET {hash_column} = $1, {expiry_column} = $2 WHERE id = $3 AND domain_id = $4"
        )))
        .bind(hash)
        .bind(expires_at)
        .bind(user_id.get())
        .bind(domain_id.get())
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn user_by_token(
        &self,
        domain_id: DomainId,
        purpose: TokenPurpose,
        hash: &str,
        now: Millis,
    ) -> StoreResult<Option<User>> {
        let (hash_column, expiry_column) = token_columns(purpose);
        self.one_user(
            query(sql(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {hash_column} = $1 AND domain_id = $2 AND {expiry_column} > $3"
            )))
            .bind(hash)
            .bind(domain_id.get())
            .bind(now),
        )
        .await
    }

    async fn consume_user_token(
        &self,
        domain_id: DomainId,
        purpose: TokenPurpose,
        hash: &str,
        now: Millis,
        changes: &UserChanges,
    ) -> StoreResult<Option<User>> {
        let (hash_column, expiry_column) = token_columns(purpose);
        // Spending a reset token clears it below already.
        let changes = UserChanges {
            clear_reset_token: changes.clear_reset_token && purpose != TokenPurpose::ResetPassword,
            ..changes.clone()
        };
        let (assignments, binds) = changes_sql(&changes, 4);
        let statement = query(sql(format!(
            "UPDATE users SET {assignments}, {hash_column} = NULL, {expiry_column} = NULL \
             WHERE {hash_column} = $1 AND domain_id = $3 AND {expiry_column} > $4 RETURNING {USER_COLUMNS}"
        )))
        .bind(hash)
        .bind(now)
        .bind(domain_id.get())
        .bind(now);
        // $2 (the time of the change) is `now` as well.
        self.one_user(binds.apply(statement)).await
    }
}

impl SqlStore {
    async fn taken(&self, column: &str, domain_id: DomainId, value: &str, except: Option<UserId>) -> StoreResult<bool> {
        let row = query(sql(format!(
            "SELECT EXISTS (SELECT 1 FROM users WHERE domain_id = $1 AND {column} = $2 AND id <> $3) AS taken"
        )))
        .bind(domain_id.get())
        .bind(value)
        .bind(except.map_or(0, UserId::get))
        .fetch_one(&self.pool)
        .await
        .db()?;
        get_bool(&row, "taken")
    }
}

fn token_columns(purpose: TokenPurpose) -> (&'static str, &'static str) {
    match purpose {
        TokenPurpose::ResetPassword => ("reset_token_hash", "reset_token_expires_at"),
        TokenPurpose::EmailConfirmation => ("confirmation_token_hash", "confirmation_token_expires_at"),
    }
}

/// `updated_at = $2, <column> = $n, ...` for the fields `changes` sets; the statement binds
/// `already` values first, the second of them being the time of the change.
fn changes_sql(changes: &UserChanges, already: usize) -> (String, Binds) {
    let mut binds = Binds::after(already);
    let mut assignments = vec!["updated_at = $2".to_string()];
    let mut set = |column: &str, value: Bind| assignments.push(format!("{column} = {}", binds.push(value)));
    if let Some(username) = &changes.username {
        set("username", Bind::Text(username.to_string()));
    }
    if let Some(email) = &changes.email {
        set("email", Bind::Text(email.to_string()));
    }
    if let Some(hash) = &changes.password_hash {
        set("password_hash", Bind::Text(hash.clone()));
    }
    if let Some(confirmed) = changes.confirmed {
        set("confirmed", Bind::Int(i64::from(confirmed)));
    }
    if let Some(blocked) = changes.blocked {
        set("blocked", Bind::Int(i64::from(blocked)));
    }
    if let Some(role_id) = changes.role_id {
        set("role_id", Bind::Int(role_id.get()));
    }
    if changes.bump_token_version {
        assignments.push("token_version = token_version + 1".into());
    }
    if changes.clear_reset_token {
        assignments.push("reset_token_hash = NULL, reset_token_expires_at = NULL".into());
    }
    (assignments.join(", "), binds)
}

impl SqlStore {
    /// Runs a statement selecting `USER_COLUMNS` and returns the user it finds, if any.
    async fn one_user(&self, statement: Query<'_, Any, AnyArguments>) -> StoreResult<Option<User>> {
        let row = statement.fetch_optional(&self.pool).await.db()?;
        row.as_ref().map(user_from_row).transpose()
    }
}
