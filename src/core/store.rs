//! The storage interface the core is written against. `crate::storage` implements it
//! on SQLite and PostgreSQL; the core never sees SQL.

use async_trait::async_trait;

use super::error::StoreResult;
use super::model::{Domain, DomainStatus, Millis, NewUser, Role, Settings, User};

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Returns the stored value of `key`, storing `value` first when there is none.
    /// Every node that races here gets the same answer.
    async fn meta_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String>;

    // Domains
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

    // Roles and permissions
    async fn insert_role(
        &self,
        domain_id: i64,
        name: &str,
        description: Option<&str>,
        kind: &str,
    ) -> StoreResult<Role>;
    async fn role_by_id(&self, domain_id: i64, id: i64) -> StoreResult<Option<Role>>;
    async fn role_by_kind(&self, domain_id: i64, kind: &str) -> StoreResult<Option<Role>>;
    async fn list_roles(&self, domain_id: i64) -> StoreResult<Vec<Role>>;
    async fn role_permissions(&self, role_id: i64) -> StoreResult<Vec<String>>;
    /// Replaces the role's permission set.
    async fn set_role_permissions(&self, role_id: i64, actions: &[String]) -> StoreResult<()>;

    // Users
    async fn insert_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn user_by_id(&self, domain_id: i64, id: i64) -> StoreResult<Option<User>>;
    /// The local user whose username is `username` or whose email is `email`.
    async fn user_by_login(&self, domain_id: i64, username: &str, email: &str) -> StoreResult<Option<User>>;
    /// True when a user of the domain has this username or email (in either column).
    async fn user_exists(&self, domain_id: i64, username: &str, email: &str) -> StoreResult<bool>;
    /// Sets a new password hash; with `revoke`, also invalidates every token issued before.
    async fn set_password_hash(&self, user_id: i64, hash: &str, revoke: bool, at: Millis) -> StoreResult<()>;
    async fn record_login(&self, user_id: i64, at: Millis) -> StoreResult<()>;
}
