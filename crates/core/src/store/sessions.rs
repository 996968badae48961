use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::Millis;
use crate::types::{DomainId, SessionId, UserId};

/// A session as stored: one per sign-in, living on through its refresh tokens' rotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: SessionId,
    pub domain_id: DomainId,
    pub user_id: UserId,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub client_address: Option<String>,
    /// The node that started it.
    pub node: String,
    pub created_at: Millis,
    pub last_used_at: Millis,
    /// The idle expiry, never past the absolute one; the ending time once ended.
    pub expires_at: Millis,
    pub absolute_expires_at: Millis,
    pub ended_at: Option<Millis>,
}

/// What a new session is stored with, its first refresh token's hash among it.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id: &'a SessionId,
    pub domain_id: DomainId,
    pub user_id: UserId,
    pub device_id: Option<&'a str>,
    pub device_name: Option<&'a str>,
    pub client_address: Option<&'a str>,
    pub node: &'a str,
    pub now: Millis,
    pub expires_at: Millis,
    pub absolute_expires_at: Millis,
    pub token_hash: &'a str,
}

/// A refresh: the presented token's hash is exchanged for a new one.
#[derive(Debug, Clone)]
pub struct Rotation<'a> {
    pub domain_id: DomainId,
    pub presented_hash: &'a str,
    pub new_hash: &'a str,
    pub now: Millis,
    /// The new idle expiry (capped by the session's absolute expiry).
    pub idle_until: Millis,
    /// A token rotated less than this long ago is still taken (a retried refresh).
    pub grace_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationOutcome {
    /// The session (and its owner), used now, with the new token as its current one.
    Rotated { session: SessionId, user: UserId },
    /// The token had already been rotated: the session it belongs to was ended just now.
    Reused(StoredSession),
    /// Unknown, of another domain, or of a session ended or expired.
    Invalid,
}

/// Which live sessions to end (always within one domain).
#[derive(Debug, Clone, Copy)]
pub enum SessionScope<'a> {
    /// One session, whoever owns it.
    One(&'a SessionId),
    /// One session, only if `user` owns it.
    OneOfUser(UserId, &'a SessionId),
    User(UserId),
    UserDevice(UserId, &'a str),
    Domain,
}

/// Live sessions, and how many users have one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionCounts {
    pub sessions: i64,
    pub online_users: i64,
}

#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    async fn insert_session(&self, session: &NewSession<'_>) -> StoreResult<StoredSession>;
    /// Exchanges a current refresh token for a new one in one transaction; a rotated token is
    /// taken as reuse (and its session ended) unless it is within the grace window.
    async fn rotate_refresh_token(&self, rotation: &Rotation<'_>) -> StoreResult<RotationOutcome>;
    /// The session, if it is live (not ended, not expired).
    async fn live_session(
        &self,
        domain_id: DomainId,
        id: &SessionId,
        now: Millis,
    ) -> StoreResult<Option<StoredSession>>;
    /// The live session one of whose refresh tokens (current or rotated) has this hash.
    async fn live_session_of_token(
        &self,
        domain_id: DomainId,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<StoredSession>>;
    /// The user's live sessions, the most recently used first.
    async fn user_sessions(&self, domain_id: DomainId, user_id: UserId, now: Millis)
    -> StoreResult<Vec<StoredSession>>;
    /// The domain's live sessions, the most recently used first, at most `limit`.
    async fn domain_sessions(&self, domain_id: DomainId, now: Millis, limit: i64) -> StoreResult<Vec<StoredSession>>;
    /// Live sessions and online users of a domain, or of every domain.
    async fn count_sessions(&self, domain_id: Option<DomainId>, now: Millis) -> StoreResult<SessionCounts>;
    /// Ends the live sessions in `scope`; returns them as they were ended.
    async fn end_sessions(
        &self,
        domain_id: DomainId,
        scope: SessionScope<'_>,
        now: Millis,
    ) -> StoreResult<Vec<StoredSession>>;
    /// Deletes up to `limit` sessions that ended or expired before `now`, with their tokens;
    /// returns how many.
    async fn sweep_sessions(&self, now: Millis, limit: i64) -> StoreResult<u64>;
}
