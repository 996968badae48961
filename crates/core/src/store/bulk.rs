use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::{Millis, Role};
use crate::types::{DomainId, Email, RoleId, UserId, Username};

/// A user written by a bulk import: the password is already hashed. What is `None` is made
/// on insert: the next id, a new document id, provider `local`, the time of the insert.
#[derive(Debug, Clone)]
pub struct BulkUser {
    /// An id reserved with `reserve_ids` first.
    pub id: Option<UserId>,
    pub document_id: Option<String>,
    pub username: Username,
    pub email: Email,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    pub role_id: Option<RoleId>,
    pub provider: Option<String>,
    pub created_at: Option<Millis>,
    pub updated_at: Option<Millis>,
}

/// The tables whose rows keep the numeric ids they had elsewhere when an import finds them free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberedTable {
    Users,
    Roles,
}

/// A role written by an import, with the id and document id it had where they are free.
#[derive(Debug, Clone)]
pub struct ImportedRole {
    /// An id reserved with `reserve_ids` first.
    pub id: Option<RoleId>,
    pub document_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub created_at: Millis,
    pub updated_at: Millis,
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
    /// The highest id the table has given out or holds: an id above it was never a row's, so
    /// no token or front end can know it from another record.
    async fn highest_id_issued(&self, table: NumberedTable) -> StoreResult<i64>;
    /// Makes the table number its next rows above `through`, so that rows inserted with ids up
    /// to `through` never meet one numbered by the database.
    async fn reserve_ids(&self, table: NumberedTable, through: i64) -> StoreResult<()>;
    /// Those of `document_ids` that a row of the table has. Document ids are unique across
    /// domains, so every domain's rows are looked at (and nothing of them is returned).
    async fn document_ids_in_use(&self, table: NumberedTable, document_ids: &[String]) -> StoreResult<Vec<String>>;
    async fn insert_imported_role(&self, domain_id: DomainId, role: &ImportedRole) -> StoreResult<Role>;
    /// Up to `limit` users of the domain by id, from the first or from the one after `after`.
    async fn export_users(
        &self,
        domain_id: DomainId,
        after: Option<UserId>,
        limit: i64,
    ) -> StoreResult<Vec<ExportedUser>>;
}
