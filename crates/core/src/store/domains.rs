use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::{Domain, DomainStatus, Settings};

#[async_trait]
pub trait DomainStore: Send + Sync + 'static {
    async fn insert_domain(&self, name: &str, is_static: bool, settings: &Settings) -> StoreResult<Domain>;
    async fn domain_by_name(&self, name: &str) -> StoreResult<Option<Domain>>;
    async fn list_domains(&self) -> StoreResult<Vec<Domain>>;
    async fn set_domain_static(&self, domain_id: i64, is_static: bool) -> StoreResult<()>;
    async fn set_domain_status(&self, domain_id: i64, status: DomainStatus) -> StoreResult<()>;
    async fn set_domain_settings(&self, domain_id: i64, settings: &Settings) -> StoreResult<()>;
    async fn domain_admin_hash(&self, domain_id: i64) -> StoreResult<Option<String>>;
    async fn set_domain_admin_hash(&self, domain_id: i64, hash: Option<&str>) -> StoreResult<()>;
    /// Removes the domain with its users, roles, permissions and settings.
    async fn delete_domain(&self, domain_id: i64) -> StoreResult<()>;
}
