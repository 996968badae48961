//! The storage interface the core is written against, one trait per kind of record.
//! `crate::storage` implements them on SQLite and PostgreSQL; the core never sees SQL.

mod accounts;
mod domains;
mod events;
mod roles;
mod users;

pub use accounts::{AccountStore, UserCounts};
pub use domains::DomainStore;
pub use events::{EventFilter, EventStore};
pub use roles::RoleStore;
pub use users::UserStore;

use async_trait::async_trait;

use super::error::StoreResult;

/// Everything the core stores.
pub trait Store: MetaStore + DomainStore + RoleStore + UserStore + EventStore + AccountStore {}

impl<T: MetaStore + DomainStore + RoleStore + UserStore + EventStore + AccountStore> Store for T {}

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
