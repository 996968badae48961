//! A short-lived cache of domains, read on every request. Local changes clear it at once;
//! changes made by another node are seen within `TTL`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::model::Domain;

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
