use std::sync::Arc;

use async_trait::async_trait;

use super::{DomainStore, RoleStore, SessionStore, UserStore};
use crate::error::StoreResult;
use crate::model::{Domain, Millis, Role, User};
use crate::permissions::PUBLIC;
use crate::types::{Action, DomainId, DomainName, RoleId, SessionId, UserId};

/// The lookups every request makes, which the caching layer ([`super::CachedStore`]) answers
/// from memory: an answer may be a second or two old, unless this node changed the record
/// meanwhile or an event reported its change. Everything else (the admin's reads, a read
/// before a write) reads the database through the methods these mirror, as the backends
/// answer these too.
#[async_trait]
pub trait RequestLookups: DomainStore + UserStore + RoleStore + SessionStore {
    /// The domain a request names (its `Host` header, its credentials).
    async fn request_domain(&self, name: &DomainName) -> StoreResult<Option<Arc<Domain>>> {
        Ok(self.domain_by_name(name).await?.map(Arc::new))
    }

    /// The account behind a token.
    async fn token_owner(&self, domain_id: DomainId, user_id: UserId) -> StoreResult<Option<User>> {
        self.user_by_id(domain_id, user_id).await
    }

    /// Whose the session of an access token is, if it is live.
    async fn live_session_owner(
        &self,
        domain_id: DomainId,
        id: &SessionId,
        now: Millis,
    ) -> StoreResult<Option<UserId>> {
        Ok(self.live_session(domain_id, id, now).await?.map(|session| session.user_id))
    }

    /// A user's role.
    async fn user_role(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Option<Role>> {
        self.role_by_id(domain_id, role_id).await
    }

    /// The role's permissions, checked at every authorization.
    async fn role_actions(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Arc<[Action]>> {
        Ok(self.role_permissions(domain_id, role_id).await?.into())
    }

    /// The domain's Public role, with which anonymous callers act.
    async fn public_role(&self, domain_id: DomainId) -> StoreResult<Option<RoleId>> {
        Ok(self.role_by_kind(domain_id, PUBLIC).await?.map(|role| role.id))
    }
}
