use async_trait::async_trait;

use super::CachedStore;
use crate::error::StoreResult;
use crate::model::Role;
use crate::query::{Filter, ListQuery};
use crate::store::RoleStore;
use crate::types::{Action, DomainId, RoleId};

/// Every change to a role forgets all the role caches (see `lookups`), as does every event
/// that may change accounts: roles change rarely, and are read again at once.
#[async_trait]
impl RoleStore for CachedStore {
    async fn insert_role(
        &self,
        domain_id: DomainId,
        name: &str,
        description: Option<&str>,
        kind: &str,
    ) -> StoreResult<Role> {
        let inserted = self.inner.insert_role(domain_id, name, description, kind).await;
        // The type was perhaps remembered as missing.
        self.forget_roles();
        inserted
    }

    async fn role_by_id(&self, domain_id: DomainId, id: RoleId) -> StoreResult<Option<Role>> {
        self.inner.role_by_id(domain_id, id).await
    }

    async fn role_by_document_id(&self, domain_id: DomainId, document_id: &str) -> StoreResult<Option<Role>> {
        self.inner.role_by_document_id(domain_id, document_id).await
    }

    async fn role_by_kind(&self, domain_id: DomainId, kind: &str) -> StoreResult<Option<Role>> {
        self.inner.role_by_kind(domain_id, kind).await
    }

    async fn list_roles(&self, domain_id: DomainId) -> StoreResult<Vec<Role>> {
        self.inner.list_roles(domain_id).await
    }

    async fn query_roles(&self, domain_id: DomainId, query: &ListQuery) -> StoreResult<Vec<Role>> {
        self.inner.query_roles(domain_id, query).await
    }

    async fn count_roles_matching(&self, domain_id: DomainId, filter: Option<&Filter>) -> StoreResult<i64> {
        self.inner.count_roles_matching(domain_id, filter).await
    }

    async fn update_role(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        name: &str,
        description: Option<&str>,
    ) -> StoreResult<Option<Role>> {
        let updated = self.inner.update_role(domain_id, role_id, name, description).await;
        self.forget_roles();
        updated
    }

    async fn delete_role(&self, domain_id: DomainId, role_id: RoleId, heir: RoleId) -> StoreResult<bool> {
        let deleted = self.inner.delete_role(domain_id, role_id, heir).await;
        self.forget_roles();
        // Its users moved to the heir.
        self.forget_domain_accounts(domain_id);
        deleted
    }

    async fn role_permissions(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Vec<Action>> {
        self.inner.role_permissions(domain_id, role_id).await
    }

    async fn query_role_permissions(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        query: &ListQuery,
    ) -> StoreResult<Vec<Action>> {
        self.inner.query_role_permissions(domain_id, role_id, query).await
    }

    async fn count_role_permissions_matching(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        filter: Option<&Filter>,
    ) -> StoreResult<i64> {
        self.inner.count_role_permissions_matching(domain_id, role_id, filter).await
    }

    async fn set_role_permissions(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        actions: &[Action],
    ) -> StoreResult<bool> {
        let set = self.inner.set_role_permissions(domain_id, role_id, actions).await;
        self.forget_roles();
        set
    }
}
