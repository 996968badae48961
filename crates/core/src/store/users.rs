use async_trait::async_trait;

use crate::error::StoreResult;
use crate::events::NewEvent;
use crate::model::{Millis, NewUser, User};
use crate::query::{Filter, ListQuery};
use crate::types::{DomainId, Email, RoleId, UserId, Username};

/// Changes to one user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub username: Option<Username>,
    pub email: Option<Email>,
    pub password_hash: Option<String>,
    pub confirmed: Option<bool>,
    pub blocked: Option<bool>,
    pub role_id: Option<RoleId>,
    /// Invalidates every token issued before.
    pub bump_token_version: bool,
    /// Forgets a pending password-reset token.
    pub clear_reset_token: bool,
}

/// A single-use token (password reset or email confirmation), as stored: its SHA-256 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    ResetPassword,
    EmailConfirmation,
}

#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    async fn insert_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn user_by_id(&self, domain_id: DomainId, id: UserId) -> StoreResult<Option<User>>;
    async fn user_by_document_id(&self, domain_id: DomainId, document_id: &str) -> StoreResult<Option<User>>;
    async fn user_by_username(&self, domain_id: DomainId, username: &Username) -> StoreResult<Option<User>>;
    /// The first (oldest) local user with this email.
    async fn user_by_email(&self, domain_id: DomainId, email: &Email) -> StoreResult<Option<User>>;
    /// The local user whose username is `username` or whose email is `email`: a login's
    /// identifier, any text.
    async fn user_by_login(&self, domain_id: DomainId, username: &str, email: &str) -> StoreResult<Option<User>>;
    /// True when a user of the domain has this username or this email (any text: Strapi's
    /// conflict rule also looks for an email among usernames, and the converse).
    async fn user_exists(&self, domain_id: DomainId, username: &str, email: &str) -> StoreResult<bool>;
    /// True when a user other than `except` has this username.
    async fn username_taken(
        &self,
        domain_id: DomainId,
        username: &Username,
        except: Option<UserId>,
    ) -> StoreResult<bool>;
    /// True when a user other than `except` has this email.
    async fn email_taken(&self, domain_id: DomainId, email: &Email, except: Option<UserId>) -> StoreResult<bool>;
    /// Sets a new password hash; with `revoke`, also invalidates every token issued before.
    async fn set_password_hash(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        hash: &str,
        revoke: bool,
        at: Millis,
    ) -> StoreResult<()>;
    /// A successful login: sets the user's login time to `at` and inserts the login's `event`
    /// as [`EventStore::insert_event`](super::EventStore::insert_event) does, together (one
    /// round trip with PostgreSQL); the event's id.
    async fn record_login(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        event: &NewEvent,
        at: Millis,
        node: &str,
    ) -> StoreResult<i64>;
    /// Applies `changes` and returns the user as stored afterwards (`None`: no such user).
    async fn update_user(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        changes: &UserChanges,
        at: Millis,
    ) -> StoreResult<Option<User>>;
    /// False when the domain has no such user.
    async fn delete_user(&self, domain_id: DomainId, user_id: UserId) -> StoreResult<bool>;
    async fn list_users(&self, domain_id: DomainId, query: &ListQuery) -> StoreResult<Vec<User>>;
    async fn count_users_matching(&self, domain_id: DomainId, filter: Option<&Filter>) -> StoreResult<i64>;
    async fn count_users_with_role(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<i64>;
    /// Stores the hash of a new token for `purpose`, replacing (and so invalidating) any older one.
    async fn set_user_token(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        purpose: TokenPurpose,
        hash: &str,
        expires_at: Millis,
    ) -> StoreResult<()>;
    /// The user holding an unexpired token with this hash.
    async fn user_by_token(
        &self,
        domain_id: DomainId,
        purpose: TokenPurpose,
        hash: &str,
        now: Millis,
    ) -> StoreResult<Option<User>>;
    /// Spends the token: applies `changes` and clears the token in one step, only if the token
    /// is still held and unexpired. `None` when it was not (used or expired meanwhile).
    async fn consume_user_token(
        &self,
        domain_id: DomainId,
        purpose: TokenPurpose,
        hash: &str,
        now: Millis,
        changes: &UserChanges,
    ) -> StoreResult<Option<User>>;
}
