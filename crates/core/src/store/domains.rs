use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::{Domain, DomainStatus, Settings};
use crate::types::{Action, DomainId, DomainName};

/// A role a new domain starts with (Strapi's Authenticated and Public).
pub struct StartingRole<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub actions: Vec<Action>,
}

#[async_trait]
pub trait DomainStore: Send + Sync + 'static {
    /// Creates the domain with its starting roles and their permissions, all or nothing: a
    /// domain removed while it is being made never leaves half of it behind.
    async fn insert_domain(
        &self,
        name: &DomainName,
        is_static: bool,
        settings: &Settings,
        roles: &[StartingRole<'_>],
    ) -> StoreResult<Domain>;
    async fn domain_by_name(&self, name: &DomainName) -> StoreResult<Option<Domain>>;
    async fn list_domains(&self) -> StoreResult<Vec<Domain>>;
    async fn set_domain_static(&self, domain_id: DomainId, is_static: bool) -> StoreResult<()>;
    async fn set_domain_status(&self, domain_id: DomainId, status: DomainStatus) -> StoreResult<()>;
    async fn set_domain_settings(&self, domain_id: DomainId, settings: &Settings) -> StoreResult<()>;
    async fn domain_admin_hash(&self, domain_id: DomainId) -> StoreResult<Option<String>>;
    async fn set_domain_admin_hash(&self, domain_id: DomainId, hash: Option<&str>) -> StoreResult<()>;
    /// Removes the domain with its users, roles, permissions and settings.
    async fn delete_domain(&self, domain_id: DomainId) -> StoreResult<()>;
}
