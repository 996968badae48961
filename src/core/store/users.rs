use async_trait::async_trait;

use crate::core::error::StoreResult;
use crate::core::model::{Millis, NewUser, User};

#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    async fn insert_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn user_by_id(&self, domain_id: i64, id: i64) -> StoreResult<Option<User>>;
    /// The local user whose username is `username` or whose email is `email`.
    async fn user_by_login(&self, domain_id: i64, username: &str, email: &str) -> StoreResult<Option<User>>;
    /// True when a user of the domain has this username or this email.
    async fn user_exists(&self, domain_id: i64, username: &str, email: &str) -> StoreResult<bool>;
    /// Sets a new password hash; with `revoke`, also invalidates every token issued before.
    async fn set_password_hash(&self, user_id: i64, hash: &str, revoke: bool, at: Millis) -> StoreResult<()>;
    async fn record_login(&self, user_id: i64, at: Millis) -> StoreResult<()>;
}
