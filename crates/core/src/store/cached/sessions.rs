use async_trait::async_trait;

use super::CachedStore;
use crate::error::StoreResult;
use crate::model::Millis;
use crate::store::{NewSession, Rotation, RotationOutcome, SessionCounts, SessionScope, SessionStore, StoredSession};
use crate::types::{DomainId, SessionId, UserId};

#[async_trait]
impl SessionStore for CachedStore {
    async fn insert_session(&self, session: &NewSession<'_>) -> StoreResult<StoredSession> {
        let inserted = self.inner.insert_session(session).await;
        self.session_owners.invalidate(session.id);
        inserted
    }

    async fn rotate_refresh_token(&self, rotation: &Rotation<'_>) -> StoreResult<RotationOutcome> {
        let outcome = self.inner.rotate_refresh_token(rotation).await?;
        if let RotationOutcome::Reused(ended) = &outcome {
            self.session_owners.invalidate(&ended.id);
        }
        Ok(outcome)
    }

    async fn live_session(
        &self,
        domain_id: DomainId,
        id: &SessionId,
        now: Millis,
    ) -> StoreResult<Option<StoredSession>> {
        self.inner.live_session(domain_id, id, now).await
    }

    async fn live_session_of_token(
        &self,
        domain_id: DomainId,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<StoredSession>> {
        self.inner.live_session_of_token(domain_id, token_hash, now).await
    }

    async fn user_sessions(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        now: Millis,
    ) -> StoreResult<Vec<StoredSession>> {
        self.inner.user_sessions(domain_id, user_id, now).await
    }

    async fn domain_sessions(&self, domain_id: DomainId, now: Millis, limit: i64) -> StoreResult<Vec<StoredSession>> {
        self.inner.domain_sessions(domain_id, now, limit).await
    }

    async fn count_sessions(&self, domain_id: Option<DomainId>, now: Millis) -> StoreResult<SessionCounts> {
        self.inner.count_sessions(domain_id, now).await
    }

    async fn end_sessions(
        &self,
        domain_id: DomainId,
        scope: SessionScope<'_>,
        now: Millis,
    ) -> StoreResult<Vec<StoredSession>> {
        let ended = self.inner.end_sessions(domain_id, scope, now).await;
        match &ended {
            Ok(ended) => ended.iter().for_each(|session| self.session_owners.invalidate(&session.id)),
            // Which ended is unknown.
            Err(_) => {
                self.session_owners.invalidate_entries_if(move |_, (domain, _)| *domain == domain_id);
            }
        }
        ended
    }

    async fn sweep_sessions(&self, now: Millis, limit: i64) -> StoreResult<u64> {
        // Only sessions no longer live go: none that the cache could hold as live but briefly.
        self.inner.sweep_sessions(now, limit).await
    }
}
