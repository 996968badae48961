//! The storage interface the core is written against, one trait per kind of record.
//! `gatehouse-store-sql` implements them on SQLite and PostgreSQL; the core never sees SQL.

mod accounts;
mod bulk;
mod cached;
mod domains;
mod events;
mod logins;
mod lookups;
mod rates;
mod roles;
mod sessions;
mod templates;
mod users;

pub use accounts::{AccountStore, UserCounts};
pub use bulk::{BulkStore, BulkUser, ExportedUser, ImportedRole, NumberedTable};
pub use cached::CachedStore;
pub use domains::{DomainStore, StartingRole};
pub use events::{EventFilter, EventStore, NodeEvent};
pub use logins::LoginLookup;
pub use lookups::RequestLookups;
pub use rates::{RateStore, SharedWindow};
pub use roles::RoleStore;
pub use sessions::{NewSession, Rotation, RotationOutcome, SessionCounts, SessionScope, SessionStore, StoredSession};
pub use templates::{StoredTemplate, TemplateStore};
pub use users::{TokenPurpose, UserChanges, UserStore};

use async_trait::async_trait;

use super::error::StoreResult;

/// Everything the core stores.
pub trait Store:
    MetaStore
    + DomainStore
    + RoleStore
    + UserStore
    + EventStore
    + TemplateStore
    + AccountStore
    + BulkStore
    + RateStore
    + SessionStore
    + RequestLookups
    + LoginLookup
{
}

impl<
    T: MetaStore
        + DomainStore
        + RoleStore
        + UserStore
        + EventStore
        + TemplateStore
        + AccountStore
        + BulkStore
        + RateStore
        + SessionStore
        + RequestLookups
        + LoginLookup,
> Store for T
{
}

#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// Returns the stored value of `key`, storing `value` first when there is none.
    /// Every node that races here gets the same answer.
    async fn meta_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String>;
}
