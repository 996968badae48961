//! Sessions and their refresh tokens. A rotation is one statement; on SQLite the rotations
//! waiting for the single writer are taken together (`rotations.rs`).

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row, query};

use super::{SqlResult, SqlStore, get_id, sql};
use crate::Backend;
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::Millis;
use gatehouse_core::store::{
    NewSession, Rotation, RotationOutcome, SessionCounts, SessionScope, SessionStore, StoredSession,
};
use gatehouse_core::types::{DomainId, SessionId, UserId};

const SESSION_COLUMNS: &str = "id, domain_id, user_id, device_id, device_name, client_address, node, created_at, \
     last_used_at, expires_at, absolute_expires_at, ended_at";

/// A live session, as a condition on the `sessions` row (`$now` is the given placeholder).
pub(super) fn live(now: &str) -> String {
    format!("ended_at IS NULL AND expires_at > {now} AND absolute_expires_at > {now}")
}

fn session_from_row(row: &AnyRow) -> StoreResult<StoredSession> {
    Ok(StoredSession {
        id: SessionId::from_stored(row.try_get("id").db()?),
        domain_id: get_id(row, "domain_id")?,
        user_id: get_id(row, "user_id")?,
        device_id: row.try_get("device_id").db()?,
        device_name: row.try_get("device_name").db()?,
        client_address: row.try_get("client_address").db()?,
        node: row.try_get("node").db()?,
        created_at: row.try_get("created_at").db()?,
        last_used_at: row.try_get("last_used_at").db()?,
        expires_at: row.try_get("expires_at").db()?,
        absolute_expires_at: row.try_get("absolute_expires_at").db()?,
        ended_at: row.try_get("ended_at").db()?,
    })
}

/// Exchanges the presented token, current or rotated within the grace window, for its
/// successor, in one statement: the trigger of the migration inserts the successor and dates
/// the session. The session is checked row by row (EXISTS): an IN would read the domain's
/// sessions. Without a grace window only a token not yet rotated is claimed: comparing its
/// rotation time with this request's clock would let the earlier-stamped of two concurrent
/// refreshes, run second, claim what the other had just rotated. `None`: not claimable.
async fn claim(pool: &AnyPool, r: &Rotation<'_>) -> StoreResult<Option<RotationOutcome>> {
    let claimed = query(sql(format!(
        "UPDATE session_tokens SET rotated_at = COALESCE(rotated_at, $1), successor = $5, successor_at = $1, \
         successor_idle_until = $6 \
         WHERE hash = $2 AND (rotated_at IS NULL OR ($3 > 0 AND rotated_at > $1 - $3)) \
         AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_tokens.session_id AND s.domain_id = $4 AND {}) \
         RETURNING session_id, user_id",
        live("$1")
    )))
    .bind(r.now)
    .bind(r.presented_hash)
    .bind(r.grace_ms)
    .bind(r.domain_id.get())
    .bind(r.new_hash)
    .bind(r.idle_until)
    .fetch_optional(pool)
    .await
    .db()?;
    claimed.as_ref().map(rotated).transpose()
}

/// The outcome of a row that names the session and user of a claimed token.
pub(super) fn rotated(row: &AnyRow) -> StoreResult<RotationOutcome> {
    Ok(RotationOutcome::Rotated {
        session: SessionId::from_stored(row.try_get("session_id").db()?),
        user: get_id(row, "user_id")?,
    })
}

/// A token that could not be claimed: a rotated token of a live session is a reuse, which ends
/// the session; anything else is invalid.
pub(super) async fn end_if_reused(pool: &AnyPool, r: &Rotation<'_>) -> StoreResult<RotationOutcome> {
    let reused = query(sql(format!(
        "UPDATE sessions SET ended_at = $1, expires_at = $1 \
         WHERE domain_id = $2 AND {} \
         AND id = (SELECT session_id FROM session_tokens WHERE hash = $3 AND rotated_at IS NOT NULL) \
         RETURNING {SESSION_COLUMNS}",
        live("$1")
    )))
    .bind(r.now)
    .bind(r.domain_id.get())
    .bind(r.presented_hash)
    .fetch_optional(pool)
    .await
    .db()?;
    Ok(match reused {
        Some(row) => RotationOutcome::Reused(session_from_row(&row)?),
        None => RotationOutcome::Invalid,
    })
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn insert_session(&self, s: &NewSession<'_>) -> StoreResult<StoredSession> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.db()?;
        let row = query(sql(format!(
            "INSERT INTO sessions (id, domain_id, user_id, device_id, device_name, client_address, node, \
             created_at, last_used_at, expires_at, absolute_expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING {SESSION_COLUMNS}"
        )))
        .bind(s.id.as_str())
        .bind(s.domain_id.get())
        .bind(s.user_id.get())
        .bind(s.device_id.map(str::to_string))
        .bind(s.device_name.map(str::to_string))
        .bind(s.client_address.map(str::to_string))
        .bind(s.node)
        .bind(s.now)
        .bind(s.expires_at.min(s.absolute_expires_at))
        .bind(s.absolute_expires_at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        query("INSERT INTO session_tokens (hash, session_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(s.token_hash)
            .bind(s.id.as_str())
            .bind(s.user_id.get())
            .bind(s.now)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        session_from_row(&row)
    }

    async fn rotate_refresh_token(&self, r: &Rotation<'_>) -> StoreResult<RotationOutcome> {
        match self.backend {
            // SQLite's single writer takes the rotations waiting together in one statement.
            Backend::Sqlite => self.rotations().rotate(r).await,
            Backend::Postgres => {
                if let Some(claimed) = claim(&self.pool, r).await? {
                    return Ok(claimed);
                }
                end_if_reused(&self.pool, r).await
            }
        }
    }

    async fn live_session(
        &self,
        domain_id: DomainId,
        id: &SessionId,
        now: Millis,
    ) -> StoreResult<Option<StoredSession>> {
        let row = query(sql(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1 AND domain_id = $2 AND {}",
            live("$3")
        )))
        .bind(id.as_str())
        .bind(domain_id.get())
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn live_session_of_token(
        &self,
        domain_id: DomainId,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<StoredSession>> {
        let row = query(sql(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE domain_id = $1 AND {} \
             AND id = (SELECT session_id FROM session_tokens WHERE hash = $3)",
            live("$2")
        )))
        .bind(domain_id.get())
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn user_sessions(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        now: Millis,
    ) -> StoreResult<Vec<StoredSession>> {
        let rows = query(sql(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE domain_id = $1 AND user_id = $2 AND {} \
             ORDER BY last_used_at DESC, created_at DESC",
            live("$3")
        )))
        .bind(domain_id.get())
        .bind(user_id.get())
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(session_from_row).collect()
    }

    async fn domain_sessions(&self, domain_id: DomainId, now: Millis, limit: i64) -> StoreResult<Vec<StoredSession>> {
        let rows = query(sql(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE domain_id = $1 AND {} \
             ORDER BY last_used_at DESC, id LIMIT $3",
            live("$2")
        )))
        .bind(domain_id.get())
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(session_from_row).collect()
    }

    async fn count_sessions(&self, domain_id: Option<DomainId>, now: Millis) -> StoreResult<SessionCounts> {
        let text = format!(
            "SELECT COUNT(*) AS sessions, COUNT(DISTINCT user_id) AS online_users FROM sessions \
             WHERE ($1 = 0 OR domain_id = $1) AND {}",
            live("$2")
        );
        let row =
            query(sql(text)).bind(domain_id.map_or(0, DomainId::get)).bind(now).fetch_one(&self.pool).await.db()?;
        Ok(SessionCounts { sessions: row.try_get("sessions").db()?, online_users: row.try_get("online_users").db()? })
    }

    async fn end_sessions(
        &self,
        domain_id: DomainId,
        scope: SessionScope<'_>,
        now: Millis,
    ) -> StoreResult<Vec<StoredSession>> {
        let (condition, text_arg, user_arg) = match scope {
            SessionScope::One(id) => ("id = $3", Some(id.as_str()), None),
            SessionScope::OneOfUser(user, id) => ("id = $3 AND user_id = $4", Some(id.as_str()), Some(user)),
            SessionScope::User(user) => ("user_id = $4", None, Some(user)),
            SessionScope::UserDevice(user, device) => ("device_id = $3 AND user_id = $4", Some(device), Some(user)),
            SessionScope::Domain => ("$3 = '' AND $4 = 0", None, None),
        };
        let text = format!(
            "UPDATE sessions SET ended_at = $1, expires_at = $1 WHERE domain_id = $2 AND {} AND {condition} \
             RETURNING {SESSION_COLUMNS}",
            live("$1")
        );
        let rows = query(sql(text))
            .bind(now)
            .bind(domain_id.get())
            .bind(text_arg.unwrap_or("").to_string())
            .bind(user_arg.map_or(0, UserId::get))
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(session_from_row).collect()
    }

    async fn sweep_sessions(&self, now: Millis, limit: i64) -> StoreResult<u64> {
        // `expires_at` is never past the absolute expiry: one indexed range finds them all.
        let done = query(
            "DELETE FROM sessions WHERE id IN \
             (SELECT id FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)",
        )
        .bind(now)
        .bind(limit)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected())
    }
}
