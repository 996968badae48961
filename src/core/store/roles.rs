use async_trait::async_trait;

use crate::core::error::StoreResult;
use crate::core::model::Role;

#[async_trait]
pub trait RoleStore: Send + Sync + 'static {
    async fn insert_role(&self, domain_id: i64, name: &str, description: Option<&str>, kind: &str)
    -> StoreResult<Role>;
    async fn role_by_id(&self, domain_id: i64, id: i64) -> StoreResult<Option<Role>>;
    async fn role_by_kind(&self, domain_id: i64, kind: &str) -> StoreResult<Option<Role>>;
    async fn list_roles(&self, domain_id: i64) -> StoreResult<Vec<Role>>;
    async fn role_permissions(&self, role_id: i64) -> StoreResult<Vec<String>>;
    /// Replaces the role's permission set.
    async fn set_role_permissions(&self, role_id: i64, actions: &[String]) -> StoreResult<()>;
}
