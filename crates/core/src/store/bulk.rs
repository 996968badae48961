use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::Millis;

/// A user written by a bulk import: the password is already hashed.
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub username: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    pub role_id: Option<i64>,
}

/// A user as an export writes it: everything an import needs to recreate it.
#[derive(Debug, Clone)]
pub struct ExportedUser {
    pub id: i64,
    pub username: String,
    pub email: String,
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
    async fn existing_usernames(&self, domain_id: i64, usernames: &[String]) -> StoreResult<Vec<String>>;
    /// Those of `emails` that a user of the domain already has.
    async fn existing_emails(&self, domain_id: i64, emails: &[String]) -> StoreResult<Vec<String>>;
    /// Inserts the users in one transaction, skipping usernames taken in the meantime;
    /// returns the usernames inserted.
    async fn insert_users_bulk(&self, domain_id: i64, users: &[BulkUser]) -> StoreResult<Vec<String>>;
    /// Up to `limit` users of the domain with an id above `after_id`, by id.
    async fn export_users(&self, domain_id: i64, after_id: i64, limit: i64) -> StoreResult<Vec<ExportedUser>>;
}
