use std::sync::Arc;

use async_trait::async_trait;

use super::CachedStore;
use crate::error::StoreResult;
use crate::model::{Domain, Millis, Role, User};
use crate::store::RequestLookups;
use crate::types::{Action, DomainId, DomainName, RoleId, SessionId, UserId};

/// Each lookup is answered from its cache when it holds a fresh entry of the domain asked
/// about, else by the store, whose answer is kept (a missing domain, a session not live and a
/// domain without a Public role too).
#[async_trait]
impl RequestLookups for CachedStore {
    async fn request_domain(&self, name: &DomainName) -> StoreResult<Option<Arc<Domain>>> {
        if let Some(hit) = self.domains.get(name) {
            return Ok(hit);
        }
        let domain = self.inner.request_domain(name).await?;
        if let Some(domain) = &domain {
            self.learn_domain(domain);
        }
        self.domains.insert(name.clone(), domain.clone());
        Ok(domain)
    }

    async fn token_owner(&self, domain_id: DomainId, user_id: UserId) -> StoreResult<Option<User>> {
        if let Some(user) = self.users.get(&user_id).filter(|user| user.domain_id == domain_id) {
            return Ok(Some(User::clone(&user)));
        }
        let user = self.inner.token_owner(domain_id, user_id).await?;
        if let Some(user) = &user {
            self.users.insert(user_id, Arc::new(user.clone()));
        }
        Ok(user)
    }

    async fn live_session_owner(
        &self,
        domain_id: DomainId,
        id: &SessionId,
        now: Millis,
    ) -> StoreResult<Option<UserId>> {
        if let Some((domain, owner)) = self.session_owners.get(id)
            && domain == domain_id
        {
            return Ok(owner);
        }
        let owner = self.inner.live_session_owner(domain_id, id, now).await?;
        self.session_owners.insert(id.clone(), (domain_id, owner));
        Ok(owner)
    }

    async fn user_role(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Option<Role>> {
        if let Some(role) = self.roles.get(&role_id).filter(|role| role.domain_id == domain_id) {
            return Ok(Some(Role::clone(&role)));
        }
        let role = self.inner.user_role(domain_id, role_id).await?;
        if let Some(role) = &role {
            self.roles.insert(role_id, Arc::new(role.clone()));
        }
        Ok(role)
    }

    async fn role_actions(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Arc<[Action]>> {
        if let Some((domain, actions)) = self.permissions.get(&role_id)
            && domain == domain_id
        {
            return Ok(actions);
        }
        let actions = self.inner.role_actions(domain_id, role_id).await?;
        self.permissions.insert(role_id, (domain_id, actions.clone()));
        Ok(actions)
    }

    async fn public_role(&self, domain_id: DomainId) -> StoreResult<Option<RoleId>> {
        if let Some(role) = self.public_roles.get(&domain_id) {
            return Ok(role);
        }
        let role = self.inner.public_role(domain_id).await?;
        self.public_roles.insert(domain_id, role);
        Ok(role)
    }
}
