//! The caching layer: a [`Store`] that answers the lookups every request makes
//! ([`RequestLookups`](super::RequestLookups): a domain by name, the account behind a token,
//! whether its session is live, its role and permissions) from memory, in front of the real
//! store; every other call goes through to the store. The core is given only this layer, so
//! nothing reads or writes past it:
//! - each write through the layer forgets what it changes (`domains`, `users`, `roles`,
//!   `sessions`, one file per kind of record);
//! - each event that may change accounts forgets what the caches hold of its domain's accounts
//!   (or of every domain's, when it names none): the events this node records pass through
//!   `insert_event`, and those of the other nodes through `events_after` and `events_by_ids`,
//!   which the event relay reads (`events`);
//! - the short lifetimes bound what an announcement lost between nodes could leave behind.
//!
//! Values are `Arc`s or small copies: a cache hands out a clone of what it holds.

mod domains;
mod events;
mod lookups;
mod passthrough;
mod roles;
mod sessions;
mod users;

use std::sync::Arc;
use std::time::Duration;

use super::Store;
use crate::expiring::Expiring;
use crate::model::{Domain, Role, User};
use crate::types::{Action, DomainId, DomainName, RoleId, SessionId, UserId};

/// Domains by name: read by every request, changed rarely.
const DOMAIN_TTL: Duration = Duration::from_secs(2);
/// Accounts, sessions and roles: what a burst of requests with one token reads.
const ACCOUNT_TTL: Duration = Duration::from_secs(1);
/// Unknown `Host` names are remembered too, so the bound matters.
const DOMAINS_MAX: usize = 10_000;
const USERS_MAX: usize = 100_000;
const SESSIONS_MAX: usize = 100_000;
const ROLES_MAX: usize = 10_000;
/// Domain ids never change, but a removed name may come back with a new id: remembered
/// long enough for events to find their domain's entries, renewed by every read.
const DOMAIN_ID_TTL: Duration = Duration::from_secs(600);

/// A cache the background renewals of [`RequestLookups`](super::RequestLookups) hold too.
type Shared<K, V> = Arc<Expiring<K, V>>;

/// The store the core works with: `inner` behind short-lived caches.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    /// `None`: no domain has that name.
    domains: Shared<DomainName, Option<Arc<Domain>>>,
    /// The id of each domain name read, for events, which name their domain.
    domain_ids: Shared<DomainName, DomainId>,
    /// Keyed by user id, unique across domains.
    users: Shared<UserId, Arc<User>>,
    /// The owner of each session id presented, `None` when it is not live.
    session_owners: Shared<SessionId, (DomainId, Option<UserId>)>,
    roles: Shared<RoleId, Arc<Role>>,
    permissions: Shared<RoleId, (DomainId, Arc<[Action]>)>,
    /// `None`: the domain has no Public role.
    public_roles: Shared<DomainId, Option<RoleId>>,
}

impl CachedStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            domains: Arc::new(Expiring::new(DOMAIN_TTL, DOMAINS_MAX)),
            domain_ids: Arc::new(Expiring::new(DOMAIN_ID_TTL, DOMAINS_MAX)),
            users: Arc::new(Expiring::new(ACCOUNT_TTL, USERS_MAX)),
            session_owners: Arc::new(Expiring::new(ACCOUNT_TTL, SESSIONS_MAX)),
            roles: Arc::new(Expiring::new(ACCOUNT_TTL, ROLES_MAX)),
            permissions: Arc::new(Expiring::new(ACCOUNT_TTL, ROLES_MAX)),
            public_roles: Arc::new(Expiring::new(ACCOUNT_TTL, ROLES_MAX)),
        }
    }

    /// Forgets what the caches hold of the accounts of the domain named `domain`, or of every
    /// domain when `None` (an event reported a change to them).
    fn forget_accounts(&self, domain: Option<&str>) {
        let id = domain.and_then(|name| DomainName::parse(name).ok()).and_then(|name| self.domain_ids.get(&name));
        match (domain, id) {
            (Some(_), Some(id)) => self.forget_domain_accounts(id),
            // A domain this node never read has nothing of its own here, but its name may
            // have been read under another id: everything goes, to be safe.
            _ => {
                self.users.invalidate_all();
                self.session_owners.invalidate_all();
            }
        }
        self.forget_roles();
    }

    fn forget_domain_accounts(&self, domain_id: DomainId) {
        self.users.invalidate_entries_if(move |_, user| user.domain_id == domain_id);
        self.session_owners.invalidate_entries_if(move |_, (domain, _)| *domain == domain_id);
    }

    fn forget_roles(&self) {
        self.roles.invalidate_all();
        self.permissions.invalidate_all();
        self.public_roles.invalidate_all();
    }

    /// A domain was added, removed or changed: every domain is read again (they are few).
    fn forget_domains(&self) {
        self.domains.invalidate_all();
    }

    fn learn_domain(&self, domain: &Domain) {
        self.domain_ids.insert(domain.name.clone(), domain.id);
    }
}
