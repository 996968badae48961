use async_trait::async_trait;

use super::{RateStore, SharedWindow, UserStore};
use crate::error::StoreResult;
use crate::model::User;
use crate::types::DomainId;

/// A login's trip to the store before its hash: the hit on its rate-limit window and the
/// lookup of the user it names. A store that keeps the windows (PostgreSQL) makes both in one
/// statement, so that a login costs the database one round trip fewer.
#[async_trait]
pub trait LoginLookup: UserStore + RateStore {
    /// Counts a hit on `key` as [`RateStore::hit_window`] does, and finds the user as
    /// [`UserStore::user_by_login`] does; called only when [`RateStore::shares_rate_windows`].
    async fn user_by_login_counted(
        &self,
        domain_id: DomainId,
        username: &str,
        email: &str,
        key: &str,
        interval_ms: i64,
    ) -> StoreResult<(Option<User>, SharedWindow)>;
}
