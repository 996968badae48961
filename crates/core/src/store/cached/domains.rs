use async_trait::async_trait;

use super::CachedStore;
use crate::error::StoreResult;
use crate::model::{Domain, DomainStatus, Settings};
use crate::store::{DomainStore, StartingRole};
use crate::types::{DomainId, DomainName};

#[async_trait]
impl DomainStore for CachedStore {
    async fn insert_domain(
        &self,
        name: &DomainName,
        is_static: bool,
        settings: &Settings,
        roles: &[StartingRole<'_>],
    ) -> StoreResult<Domain> {
        let domain = self.inner.insert_domain(name, is_static, settings, roles).await?;
        // The name was perhaps remembered as unknown, or as a removed domain's.
        self.forget_domains();
        self.learn_domain(&domain);
        Ok(domain)
    }

    async fn domain_by_name(&self, name: &DomainName) -> StoreResult<Option<Domain>> {
        let domain = self.inner.domain_by_name(name).await?;
        if let Some(domain) = &domain {
            self.learn_domain(domain);
        }
        Ok(domain)
    }

    async fn list_domains(&self) -> StoreResult<Vec<Domain>> {
        let domains = self.inner.list_domains().await?;
        domains.iter().for_each(|domain| self.learn_domain(domain));
        Ok(domains)
    }

    async fn set_domain_static(&self, domain_id: DomainId, is_static: bool) -> StoreResult<()> {
        self.inner.set_domain_static(domain_id, is_static).await?;
        self.forget_domains();
        Ok(())
    }

    async fn set_domain_status(&self, domain_id: DomainId, status: DomainStatus) -> StoreResult<()> {
        self.inner.set_domain_status(domain_id, status).await?;
        self.forget_domains();
        Ok(())
    }

    async fn set_domain_settings(&self, domain_id: DomainId, settings: &Settings) -> StoreResult<()> {
        self.inner.set_domain_settings(domain_id, settings).await?;
        self.forget_domains();
        Ok(())
    }

    async fn domain_admin_hash(&self, domain_id: DomainId) -> StoreResult<Option<String>> {
        self.inner.domain_admin_hash(domain_id).await
    }

    async fn set_domain_admin_hash(&self, domain_id: DomainId, hash: Option<&str>) -> StoreResult<()> {
        self.inner.set_domain_admin_hash(domain_id, hash).await?;
        // A domain says whether it has an admin password.
        self.forget_domains();
        Ok(())
    }

    async fn delete_domain(&self, domain_id: DomainId) -> StoreResult<()> {
        let deleted = self.inner.delete_domain(domain_id).await;
        self.forget_domains();
        self.domain_ids.invalidate_entries_if(move |_, id| *id == domain_id);
        self.forget_domain_accounts(domain_id);
        self.forget_roles();
        deleted
    }
}
