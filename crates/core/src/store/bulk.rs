use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::Millis;
use crate::types::{DomainId, Email, RoleId, UserId, Username};

/// A user written by a bulk import: the password is already hashed.
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub username: Username,
    pub email: Email,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    pub role_id: Option<RoleId>,
}

/// A user as an export writes it: everything an import needs to recreate it.
#[derive(Debug, Clone)]
pub struct ExportedUser {
    pub id: UserId,
    pub username: Username,
    pub email: Email,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    /// The type of its role (`authenticated`, `editor`), if it has one.
    pub role: Option<String>,
    pub created_at: Millis,
}

/// Many users at once, for import and export.
#[async_trait]
pub trait BulkStore: Send + Sync + 'static {
    /// Those of `usernames` that a user of the domain already has.
    async fn existing_usernames(&self, domain_id: DomainId, usernames: &[Username]) -> StoreResult<Vec<Username>>;
    /// Those of `emails` that a user of the domain already has.
    async fn existing_emails(&self, domain_id: DomainId, emails: &[Email]) -> StoreResult<Vec<Email>>;
    /// Inserts the users in one transaction, skipping usernames taken in the meantime;
    /// returns the usernames inserted.
    async fn insert_users_bulk(&self, domain_id: DomainId, users: &[BulkUser]) -> StoreResult<Vec<Username>>;
    /// Up to `limit` users of the domain by id, from the first or from the one after `after`.
    async fn export_users(
        &self,
        domain_id: DomainId,
        after: Option<UserId>,
        limit: i64,
    ) -> StoreResult<Vec<ExportedUser>>;
}
