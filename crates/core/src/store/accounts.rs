use async_trait::async_trait;

use crate::error::StoreResult;
use crate::types::{DomainId, Username};

/// How many users a domain (or the whole installation) has, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounts {
    pub registered: i64,
    pub confirmed: i64,
    pub blocked: i64,
}

/// The account listings and counts of the admin API.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    async fn count_users(&self, domain_id: DomainId) -> StoreResult<i64>;
    /// Usernames of the domain in byte order, `offset` skipped, at most `limit` (all when `None`).
    async fn list_usernames(&self, domain_id: DomainId, limit: Option<i64>, offset: i64) -> StoreResult<Vec<Username>>;
    /// Usernames of the domain in byte order that come after `after` (from the first when
    /// `None`), at most `limit`: a page of a listing that pages by key.
    async fn list_usernames_after(
        &self,
        domain_id: DomainId,
        after: Option<&Username>,
        limit: i64,
    ) -> StoreResult<Vec<Username>>;
    /// Counts in one domain, or in all when `domain_id` is `None`.
    async fn user_counts(&self, domain_id: Option<DomainId>) -> StoreResult<UserCounts>;
}
