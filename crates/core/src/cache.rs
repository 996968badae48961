//! Short-lived caches of what every request reads: domains and the users behind tokens.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::model::{Domain, Role, User};
use super::types::{Action, DomainId, RoleId, SessionId, UserId};

const TTL: Duration = Duration::from_secs(2);

/// When an entry was read, and the domain (or `None`: no domain has that name).
type Entry = (Instant, Option<Arc<Domain>>);

#[derive(Default)]
pub struct DomainCache {
    entries: RwLock<HashMap<String, Entry>>,
}

impl DomainCache {
    /// `Some(entry)` when cached and fresh (the entry itself may be "no such domain").
    pub fn get(&self, name: &str) -> Option<Option<Arc<Domain>>> {
        let entries = self.entries.read().ok()?;
        let (at, domain) = entries.get(name)?;
        (at.elapsed() < TTL).then(|| domain.clone())
    }

    pub fn put(&self, name: &str, domain: Option<Arc<Domain>>) {
        if let Ok(mut entries) = self.entries.write() {
            // Unknown Host headers must not grow the cache without bound.
            if entries.len() > 10_000 {
                entries.retain(|_, (at, d)| d.is_some() && at.elapsed() < TTL);
            }
            entries.insert(name.to_string(), (Instant::now(), domain));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }
}

const USER_TTL: Duration = Duration::from_secs(1);

/// The accounts behind recently presented tokens, so that a burst of requests by one user
/// costs one lookup. Every recorded event that may change an account clears its domain's
/// entries at once, on this node and (through the event relay) on the others; `USER_TTL`
/// bounds what a lost announcement could leave behind.
/// When read, the domain's name, the user; keyed by user id (unique across domains).
type CachedUser = (Instant, Arc<str>, User);

#[derive(Default)]
pub struct UserCache {
    entries: RwLock<HashMap<UserId, CachedUser>>,
}

impl UserCache {
    pub fn get(&self, domain_id: DomainId, user_id: UserId) -> Option<User> {
        let entries = self.entries.read().ok()?;
        let (at, _, user) = entries.get(&user_id)?;
        (at.elapsed() < USER_TTL && user.domain_id == domain_id).then(|| user.clone())
    }

    pub fn put(&self, domain: &str, user: &User) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 100_000 {
                entries.retain(|_, (at, _, _)| at.elapsed() < USER_TTL);
            }
            entries.insert(user.id, (Instant::now(), Arc::from(domain), user.clone()));
        }
    }

    /// Forgets the users of `domain`, or everyone when the event names no domain.
    pub fn forget_domain(&self, domain: Option<&str>) {
        if let Ok(mut entries) = self.entries.write() {
            match domain {
                Some(domain) => entries.retain(|_, (_, d, _)| &**d != domain),
                None => entries.clear(),
            }
        }
    }
}

/// Whose live session each recently presented session id is (none: not live), so that a
/// burst of requests with one access token costs one lookup; cleared like the user cache,
/// by every event that may change accounts (`SESSION_ENDED` among them) on any node.
type CachedSession = (Instant, Arc<str>, Option<UserId>);

#[derive(Default)]
pub struct SessionCache {
    entries: RwLock<HashMap<SessionId, CachedSession>>,
}

impl SessionCache {
    /// `Some(owner)` when cached and fresh (`Some(None)`: known not to be live).
    pub fn get(&self, id: &SessionId) -> Option<Option<UserId>> {
        let entries = self.entries.read().ok()?;
        let (at, _, owner) = entries.get(id)?;
        (at.elapsed() < USER_TTL).then_some(*owner)
    }

    pub fn put(&self, domain: &str, id: &SessionId, owner: Option<UserId>) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 100_000 {
                entries.retain(|_, (at, _, _)| at.elapsed() < USER_TTL);
            }
            entries.insert(id.clone(), (Instant::now(), Arc::from(domain), owner));
        }
    }

    /// Forgets the sessions of `domain`, or all when no domain is named.
    pub fn forget_domain(&self, domain: Option<&str>) {
        if let Ok(mut entries) = self.entries.write() {
            match domain {
                Some(domain) => entries.retain(|_, (_, d, _)| &**d != domain),
                None => entries.clear(),
            }
        }
    }
}

/// Roles by id (read with every `role` field of a user), their permission sets, and each
/// domain's Public role (anonymous callers act with it); cleared with the user cache.
#[derive(Default)]
pub struct RoleCache {
    entries: Timed<RoleId, Role>,
    permissions: Timed<RoleId, Arc<[Action]>>,
    public_roles: Timed<DomainId, Option<RoleId>>,
}

/// Values by id, with the time each was read.
type Timed<K, V> = RwLock<HashMap<K, (Instant, V)>>;

impl RoleCache {
    pub fn get(&self, domain_id: DomainId, role_id: RoleId) -> Option<Role> {
        let entries = self.entries.read().ok()?;
        let (at, role) = entries.get(&role_id)?;
        (at.elapsed() < USER_TTL && role.domain_id == domain_id).then(|| role.clone())
    }

    pub fn put(&self, role: &Role) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 10_000 {
                entries.clear();
            }
            entries.insert(role.id, (Instant::now(), role.clone()));
        }
    }

    pub fn permissions(&self, role_id: RoleId) -> Option<Arc<[Action]>> {
        fresh(&self.permissions, &role_id)
    }

    pub fn put_permissions(&self, role_id: RoleId, actions: Arc<[Action]>) {
        store(&self.permissions, role_id, actions);
    }

    /// `Some(None)`: known to have no Public role.
    pub fn public_role(&self, domain_id: DomainId) -> Option<Option<RoleId>> {
        fresh(&self.public_roles, &domain_id)
    }

    pub fn put_public_role(&self, domain_id: DomainId, role_id: Option<RoleId>) {
        store(&self.public_roles, domain_id, role_id);
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
        if let Ok(mut entries) = self.permissions.write() {
            entries.clear();
        }
        if let Ok(mut entries) = self.public_roles.write() {
            entries.clear();
        }
    }
}

fn fresh<K: Eq + Hash, V: Clone>(map: &Timed<K, V>, key: &K) -> Option<V> {
    let entries = map.read().ok()?;
    let (at, value) = entries.get(key)?;
    (at.elapsed() < USER_TTL).then(|| value.clone())
}

fn store<K: Eq + Hash, V>(map: &Timed<K, V>, key: K, value: V) {
    if let Ok(mut entries) = map.write() {
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }
}
