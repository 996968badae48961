//! Bounded caches whose entries expire: a `quick_cache` cache holding each value with the
//! moment it stops being fresh. The caches that every request reads use it: a read is a hash,
//! a shard's read lock and a counter bumped in the entry (about 0.1 µs with two threads on one
//! key), where moka, which queues every read for its eviction policy, took 0.3 to 0.8 µs.
//!
//! An entry read past half its lifetime asks one reader to renew it ([`Read::Renew`]), so that
//! a key in steady use is read again from the store before it expires, in the background,
//! instead of by the requests that find it expired. A load that began before an invalidation
//! does not keep its answer ([`Expiring::insert_loaded`]): it may have read what the change
//! replaced.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

#[derive(Clone)]
struct Entry<V> {
    renew_at: Instant,
    stale_at: Instant,
    value: V,
}

/// What a cache holds of a key.
pub enum Read<V> {
    Fresh(V),
    /// Fresh, and past half its lifetime: the caller is the one reader asked to renew it
    /// (with [`Expiring::renewed`] when done, whatever the outcome).
    Renew(V),
    Missing,
}

pub struct Expiring<K, V> {
    entries: Cache<K, Entry<V>>,
    ttl: Duration,
    /// Bumped by every invalidation.
    generation: AtomicU64,
    /// The keys a reader was asked to renew, until it is done.
    renewing: Mutex<HashSet<K>>,
}

impl<K, V> Expiring<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    /// At most `capacity` entries, each fresh for `ttl` after it was inserted.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self { entries: Cache::new(capacity), ttl, generation: AtomicU64::new(0), renewing: Mutex::default() }
    }

    /// The value of `key` while it is fresh.
    pub fn get(&self, key: &K) -> Option<V> {
        let entry = self.entries.get(key)?;
        (Instant::now() < entry.stale_at).then_some(entry.value)
    }

    /// The value of `key` while it is fresh, and whether this reader should renew it.
    pub fn read(&self, key: &K) -> Read<V> {
        let Some(entry) = self.entries.get(key) else { return Read::Missing };
        let now = Instant::now();
        if now >= entry.stale_at {
            Read::Missing
        } else if now >= entry.renew_at && self.lock_renewing().insert(key.clone()) {
            Read::Renew(entry.value)
        } else {
            Read::Fresh(entry.value)
        }
    }

    /// Ends the renewal of `key` that [`Read::Renew`] asked for.
    pub fn renewed(&self, key: &K) {
        self.lock_renewing().remove(key);
    }

    pub fn insert(&self, key: K, value: V) {
        let now = Instant::now();
        self.entries.insert(key, Entry { renew_at: now + self.ttl / 2, stale_at: now + self.ttl, value });
    }

    /// Where invalidations stand: taken before a load, for [`Expiring::insert_loaded`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps what a load read, unless something was invalidated since it began (at
    /// `generation`). The check follows the insertion: an invalidation either removes the
    /// entry itself or is seen by the check, which removes it.
    pub fn insert_loaded(&self, key: K, value: V, generation: u64) {
        if self.generation() != generation {
            return;
        }
        self.insert(key.clone(), value);
        if self.generation() != generation {
            self.entries.remove(&key);
        }
    }

    pub fn invalidate(&self, key: &K) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.remove(key);
    }

    /// Forgets every entry for which `forget` holds.
    pub fn invalidate_entries_if(&self, forget: impl Fn(&K, &V) -> bool) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.retain(|key, entry| !forget(key, &entry.value));
    }

    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }

    fn lock_renewing(&self) -> std::sync::MutexGuard<'_, HashSet<K>> {
        // The set is left consistent by every operation, so a panic elsewhere cannot spoil it.
        self.renewing.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_read_until_it_expires() {
        let cache = Expiring::new(Duration::from_millis(50), 10);
        cache.insert(1, "one");
        assert_eq!(cache.get(&1), Some("one"));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn invalidation_forgets_what_it_names() {
        let cache = Expiring::new(Duration::from_secs(60), 10);
        for n in 0..6 {
            cache.insert(n, n * 10);
        }
        cache.invalidate(&0);
        cache.invalidate_entries_if(|_, value| *value >= 40);
        assert_eq!((0..6).map(|n| cache.get(&n)).collect::<Vec<_>>(), [None, Some(10), Some(20), Some(30), None, None]);
        cache.invalidate_all();
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn one_reader_is_asked_to_renew_past_half_the_lifetime() {
        // Sleeps leave 450 ms to spare where the entry must still be fresh.
        let cache = Expiring::new(Duration::from_secs(1), 10);
        cache.insert(1, "one");
        assert!(matches!(cache.read(&1), Read::Fresh("one")));
        std::thread::sleep(Duration::from_millis(550));
        assert!(matches!(cache.read(&1), Read::Renew("one")));
        // The others read on while the renewal runs.
        assert!(matches!(cache.read(&1), Read::Fresh("one")));
        cache.insert_loaded(1, "uno", cache.generation());
        cache.renewed(&1);
        assert!(matches!(cache.read(&1), Read::Fresh("uno")));
        std::thread::sleep(Duration::from_millis(550));
        assert!(matches!(cache.read(&1), Read::Renew("uno")));
        // A renewal that failed leaves the entry to expire, and asks again.
        cache.renewed(&1);
        assert!(matches!(cache.read(&1), Read::Renew("uno")));
        std::thread::sleep(Duration::from_millis(500));
        assert!(matches!(cache.read(&1), Read::Missing));
    }

    #[test]
    fn a_load_begun_before_an_invalidation_is_not_kept() {
        let cache = Expiring::new(Duration::from_secs(60), 10);
        let before = cache.generation();
        cache.invalidate(&2);
        cache.insert_loaded(1, "read before the change", before);
        assert!(matches!(cache.read(&1), Read::Missing));
        let after = cache.generation();
        cache.insert_loaded(1, "read after it", after);
        assert_eq!(cache.get(&1), Some("read after it"));
    }
}
