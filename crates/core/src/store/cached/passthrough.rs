//! The records no request reads twice in a burst: straight to the store.

use async_trait::async_trait;

use super::CachedStore;
use crate::error::StoreResult;
use crate::model::{Millis, Role, User};
use crate::store::{
    AccountStore, BulkStore, BulkUser, ExportedUser, ImportedRole, LoginLookup, MetaStore, NumberedTable, RateStore,
    SharedWindow, StoredTemplate, TemplateStore, UserCounts,
};
use crate::types::{DomainId, Email, UserId, Username};

#[async_trait]
impl MetaStore for CachedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }

    async fn meta_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        self.inner.meta_get_or_insert(key, value).await
    }
}

#[async_trait]
impl TemplateStore for CachedStore {
    async fn email_templates(&self, domain_id: DomainId) -> StoreResult<Vec<StoredTemplate>> {
        self.inner.email_templates(domain_id).await
    }

    async fn put_email_template(&self, domain_id: DomainId, template: &StoredTemplate, at: Millis) -> StoreResult<()> {
        self.inner.put_email_template(domain_id, template, at).await
    }
}

#[async_trait]
impl AccountStore for CachedStore {
    async fn count_users(&self, domain_id: DomainId) -> StoreResult<i64> {
        self.inner.count_users(domain_id).await
    }

    async fn list_usernames(&self, domain_id: DomainId, limit: Option<i64>, offset: i64) -> StoreResult<Vec<Username>> {
        self.inner.list_usernames(domain_id, limit, offset).await
    }

    async fn list_usernames_after(
        &self,
        domain_id: DomainId,
        after: Option<&Username>,
        limit: i64,
    ) -> StoreResult<Vec<Username>> {
        self.inner.list_usernames_after(domain_id, after, limit).await
    }

    async fn user_counts(&self, domain_id: Option<DomainId>) -> StoreResult<UserCounts> {
        self.inner.user_counts(domain_id).await
    }
}

#[async_trait]
impl BulkStore for CachedStore {
    async fn existing_usernames(&self, domain_id: DomainId, usernames: &[Username]) -> StoreResult<Vec<Username>> {
        self.inner.existing_usernames(domain_id, usernames).await
    }

    async fn existing_emails(&self, domain_id: DomainId, emails: &[Email]) -> StoreResult<Vec<Email>> {
        self.inner.existing_emails(domain_id, emails).await
    }

    /// New users only: nothing cached changes.
    async fn insert_users_bulk(&self, domain_id: DomainId, users: &[BulkUser]) -> StoreResult<Vec<Username>> {
        self.inner.insert_users_bulk(domain_id, users).await
    }

    async fn highest_id_issued(&self, table: NumberedTable) -> StoreResult<i64> {
        self.inner.highest_id_issued(table).await
    }

    async fn reserve_ids(&self, table: NumberedTable, through: i64) -> StoreResult<()> {
        self.inner.reserve_ids(table, through).await
    }

    async fn document_ids_in_use(&self, table: NumberedTable, document_ids: &[String]) -> StoreResult<Vec<String>> {
        self.inner.document_ids_in_use(table, document_ids).await
    }

    async fn insert_imported_role(&self, domain_id: DomainId, role: &ImportedRole) -> StoreResult<Role> {
        let inserted = self.inner.insert_imported_role(domain_id, role).await;
        // Its type was perhaps remembered as missing.
        self.forget_roles();
        inserted
    }

    async fn export_users(
        &self,
        domain_id: DomainId,
        after: Option<UserId>,
        limit: i64,
    ) -> StoreResult<Vec<ExportedUser>> {
        self.inner.export_users(domain_id, after, limit).await
    }
}

#[async_trait]
impl RateStore for CachedStore {
    fn shares_rate_windows(&self) -> bool {
        self.inner.shares_rate_windows()
    }

    async fn hit_window(&self, key: &str, interval_ms: i64) -> StoreResult<SharedWindow> {
        self.inner.hit_window(key, interval_ms).await
    }

    async fn peek_window(&self, key: &str) -> StoreResult<Option<SharedWindow>> {
        self.inner.peek_window(key).await
    }

    async fn sweep_windows(&self) -> StoreResult<()> {
        self.inner.sweep_windows().await
    }
}

#[async_trait]
impl LoginLookup for CachedStore {
    async fn user_by_login_counted(
        &self,
        domain_id: DomainId,
        username: &str,
        email: &str,
        key: &str,
        interval_ms: i64,
    ) -> StoreResult<(Option<User>, SharedWindow)> {
        self.inner.user_by_login_counted(domain_id, username, email, key, interval_ms).await
    }
}
