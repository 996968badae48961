use async_trait::async_trait;

use super::CachedStore;
use crate::error::StoreResult;
use crate::events::NewEvent;
use crate::model::{Millis, NewUser, User};
use crate::query::{Filter, ListQuery};
use crate::store::{TokenPurpose, UserChanges, UserStore};
use crate::types::{DomainId, Email, RoleId, UserId, Username};

#[async_trait]
impl UserStore for CachedStore {
    async fn insert_user(&self, user: &NewUser) -> StoreResult<User> {
        self.inner.insert_user(user).await
    }

    async fn user_by_id(&self, domain_id: DomainId, id: UserId) -> StoreResult<Option<User>> {
        self.inner.user_by_id(domain_id, id).await
    }

    async fn user_by_document_id(&self, domain_id: DomainId, document_id: &str) -> StoreResult<Option<User>> {
        self.inner.user_by_document_id(domain_id, document_id).await
    }

    async fn user_by_username(&self, domain_id: DomainId, username: &Username) -> StoreResult<Option<User>> {
        self.inner.user_by_username(domain_id, username).await
    }

    async fn user_by_email(&self, domain_id: DomainId, email: &Email) -> StoreResult<Option<User>> {
        self.inner.user_by_email(domain_id, email).await
    }

    async fn user_by_login(&self, domain_id: DomainId, username: &str, email: &str) -> StoreResult<Option<User>> {
        self.inner.user_by_login(domain_id, username, email).await
    }

    async fn user_exists(&self, domain_id: DomainId, username: &str, email: &str) -> StoreResult<bool> {
        self.inner.user_exists(domain_id, username, email).await
    }

    async fn username_taken(
        &self,
        domain_id: DomainId,
        username: &Username,
        except: Option<UserId>,
    ) -> StoreResult<bool> {
        self.inner.username_taken(domain_id, username, except).await
    }

    async fn email_taken(&self, domain_id: DomainId, email: &Email, except: Option<UserId>) -> StoreResult<bool> {
        self.inner.email_taken(domain_id, email, except).await
    }

    async fn set_password_hash(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        hash: &str,
        revoke: bool,
        at: Millis,
    ) -> StoreResult<()> {
        let written = self.inner.set_password_hash(domain_id, user_id, hash, revoke, at).await;
        self.users.invalidate(&user_id);
        written
    }

    async fn record_login(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        event: &NewEvent,
        at: Millis,
        node: &str,
    ) -> StoreResult<i64> {
        // The cached user is kept: the login time is all this changes, and nothing answered
        // from this cache shows it (the admin API reads users from the store). Forgetting it
        // made each login cost the same user's next request a database read, which a login
        // storm on PostgreSQL turned into the `me` latency tail. The event is observed as
        // `insert_event` observes any other.
        self.observe(event.kind, event.domain.as_deref());
        self.inner.record_login(domain_id, user_id, event, at, node).await
    }

    async fn update_user(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        changes: &UserChanges,
        at: Millis,
    ) -> StoreResult<Option<User>> {
        let updated = self.inner.update_user(domain_id, user_id, changes, at).await;
        self.users.invalidate(&user_id);
        updated
    }

    async fn delete_user(&self, domain_id: DomainId, user_id: UserId) -> StoreResult<bool> {
        let deleted = self.inner.delete_user(domain_id, user_id).await;
        self.users.invalidate(&user_id);
        deleted
    }

    async fn list_users(&self, domain_id: DomainId, query: &ListQuery) -> StoreResult<Vec<User>> {
        self.inner.list_users(domain_id, query).await
    }

    async fn count_users_matching(&self, domain_id: DomainId, filter: Option<&Filter>) -> StoreResult<i64> {
        self.inner.count_users_matching(domain_id, filter).await
    }

    async fn count_users_with_role(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<i64> {
        self.inner.count_users_with_role(domain_id, role_id).await
    }

    async fn set_user_token(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        purpose: TokenPurpose,
        hash: &str,
        expires_at: Millis,
    ) -> StoreResult<()> {
        self.inner.set_user_token(domain_id, user_id, purpose, hash, expires_at).await
    }

    async fn user_by_token(
        &self,
        domain_id: DomainId,
        purpose: TokenPurpose,
        hash: &str,
        now: Millis,
    ) -> StoreResult<Option<User>> {
        self.inner.user_by_token(domain_id, purpose, hash, now).await
    }

    async fn consume_user_token(
        &self,
        domain_id: DomainId,
        purpose: TokenPurpose,
        hash: &str,
        now: Millis,
        changes: &UserChanges,
    ) -> StoreResult<Option<User>> {
        let consumed = self.inner.consume_user_token(domain_id, purpose, hash, now, changes).await?;
        if let Some(user) = &consumed {
            self.users.invalidate(&user.id);
        }
        Ok(consumed)
    }
}
