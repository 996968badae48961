//! What the admin API asks about accounts: listings, counts and statistics.

use super::Core;
use super::error::{CoreError, CoreResult};
use super::events::EventKind;
use super::model::{Domain, Millis, now_millis};
use super::store::UserCounts;

const DAY_MILLIS: Millis = 24 * 3600 * 1000;

/// Users by state and logins over the last 24 hours, of one domain or of all.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountStats {
    pub users: UserCounts,
    pub logins_last_day: i64,
    pub failed_logins_last_day: i64,
}

impl Core {
    pub async fn count_users(&self, domain: &Domain) -> CoreResult<i64> {
        Ok(self.store.count_users(domain.id).await?)
    }

    /// Usernames of the domain in byte order; `offset` skipped, at most `limit`.
    pub async fn list_usernames(&self, domain: &Domain, limit: Option<i64>, offset: i64) -> CoreResult<Vec<String>> {
        if limit.is_some_and(|l| l < 1) || offset < 0 {
            return Err(CoreError::invalid("limit must be positive and index not negative"));
        }
        Ok(self.store.list_usernames(domain.id, limit, offset).await?)
    }

    /// Statistics of one domain, or of the whole installation when `domain` is `None`.
    pub async fn account_stats(&self, domain: Option<&Domain>) -> CoreResult<AccountStats> {
        let users = self.store.user_counts(domain.map(|d| d.id)).await?;
        let kinds = [EventKind::LoginSucceeded, EventKind::LoginFailed];
        let since = now_millis() - DAY_MILLIS;
        let logins = self.store.count_events(domain.map(|d| d.name.as_str()), &kinds, since).await?;
        Ok(AccountStats {
            users,
            logins_last_day: logins.get(&EventKind::LoginSucceeded).copied().unwrap_or(0),
            failed_logins_last_day: logins.get(&EventKind::LoginFailed).copied().unwrap_or(0),
        })
    }
}
