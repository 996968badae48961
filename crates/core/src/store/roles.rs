use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::Role;
use crate::query::{Filter, ListQuery};
use crate::types::{Action, DomainId, RoleId};

#[async_trait]
pub trait RoleStore: Send + Sync + 'static {
    async fn insert_role(
        &self,
        domain_id: DomainId,
        name: &str,
        description: Option<&str>,
        kind: &str,
    ) -> StoreResult<Role>;
    async fn role_by_id(&self, domain_id: DomainId, id: RoleId) -> StoreResult<Option<Role>>;
    async fn role_by_document_id(&self, domain_id: DomainId, document_id: &str) -> StoreResult<Option<Role>>;
    async fn role_by_kind(&self, domain_id: DomainId, kind: &str) -> StoreResult<Option<Role>>;
    async fn list_roles(&self, domain_id: DomainId) -> StoreResult<Vec<Role>>;
    async fn query_roles(&self, domain_id: DomainId, query: &ListQuery) -> StoreResult<Vec<Role>>;
    async fn count_roles_matching(&self, domain_id: DomainId, filter: Option<&Filter>) -> StoreResult<i64>;
    /// Sets the name and description; returns the role as stored afterwards.
    async fn update_role(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        name: &str,
        description: Option<&str>,
    ) -> StoreResult<Option<Role>>;
    /// Moves the role's users to `heir`, then deletes the role with its permissions, in one step.
    /// False (and nothing changed) unless both roles are the domain's.
    async fn delete_role(&self, domain_id: DomainId, role_id: RoleId, heir: RoleId) -> StoreResult<bool>;
    async fn role_permissions(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Vec<Action>>;
    /// The role's actions matching `query` (a listing of permissions).
    async fn query_role_permissions(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        query: &ListQuery,
    ) -> StoreResult<Vec<Action>>;
    async fn count_role_permissions_matching(
        &self,
        domain_id: DomainId,
        role_id: RoleId,
        filter: Option<&Filter>,
    ) -> StoreResult<i64>;
    /// Replaces the role's permission set. False (and nothing changed) when the domain has no
    /// such role.
    async fn set_role_permissions(&self, domain_id: DomainId, role_id: RoleId, actions: &[Action])
    -> StoreResult<bool>;
}
