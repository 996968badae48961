//! Rate limits, with Strapi's fixed windows (koa2-ratelimit): a key's window opens with its
//! first hit and lasts the interval; every hit in it counts, and past `max` the key is refused
//! until the window ends. The one limiter of the server: the auth mutations, Basic
//! credentials and failed admin logins all count here. With PostgreSQL the windows are kept in
//! the database, one statement per hit (a login's counted in its user lookup's, see
//! [`crate::auth::Auth::login_attempt`]), so a cluster allows what one node would; with SQLite
//! (one node) they are kept in memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::error::{CoreError, CoreResult};
use super::model::Domain;
use super::store::{RateStore, SharedWindow};

/// The operations that are rate limited; each has its own windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    Login,
    Register,
    ForgotPassword,
    ResetPassword,
    ChangePassword,
    /// Strapi's REST `send-email-confirmation`: each request sends a mail.
    SendEmailConfirmation,
}

impl Limited {
    fn name(self) -> &'static str {
        match self {
            Limited::Login => "login",
            Limited::Register => "register",
            Limited::ForgotPassword => "forgot-password",
            Limited::ResetPassword => "reset-password",
            Limited::ChangePassword => "change-password",
            Limited::SendEmailConfirmation => "send-email-confirmation",
        }
    }
}

/// How often ended windows are swept, in hits.
const SWEEP_EVERY: u64 = 4096;

/// One key's current window.
struct Window {
    ends: Instant,
    hits: u32,
}

/// A limit: at most `max` hits per window of `interval`; `max == 0` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max: u32,
    pub interval: Duration,
}

impl Quota {
    pub fn new(max: u32, interval_seconds: u32) -> Self {
        Self { max, interval: Duration::from_secs(u64::from(interval_seconds.max(1))) }
    }

    /// The domain's limit on its auth operations.
    fn of(domain: &Domain) -> Self {
        Self::new(domain.settings.rate_limit_max, domain.settings.rate_limit_interval_seconds)
    }
}

/// Where the windows are counted.
pub struct RateLimits {
    /// The cluster's windows in the database; when it cannot answer, this node's memory.
    shared: Option<Arc<dyn RateStore>>,
    local: LocalWindows,
}

impl RateLimits {
    pub fn new(store: Arc<dyn RateStore>) -> Self {
        let shared = store.shares_rate_windows().then_some(store);
        Self { shared, local: LocalWindows::default() }
    }

    /// Counts a hit on `key`; `Err` with the time left in its window when the hit is past the
    /// quota.
    pub async fn hit(&self, key: &str, quota: Quota) -> Result<(), Duration> {
        if quota.max == 0 {
            return Ok(());
        }
        if let Some(store) = &self.shared {
            self.sweep_now_and_then(store);
            match store.hit_window(key, quota.interval.as_millis() as i64).await {
                Ok(window) => return refused_past(window, quota),
                // Limited on this node alone rather than not at all.
                Err(e) => {
                    tracing::warn!(error = %e, "rate limits: the database does not answer; counting on this node")
                }
            }
        }
        self.local.hit_at(key, quota, Instant::now())
    }

    /// Every [`SWEEP_EVERY`] hits on the shared windows, deletes the ended ones.
    fn sweep_now_and_then(&self, store: &Arc<dyn RateStore>) {
        if self.local.hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            let store = store.clone();
            tokio::spawn(async move {
                if let Err(e) = store.sweep_windows().await {
                    tracing::warn!(error = %e, "cannot sweep ended rate-limit windows");
                }
            });
        }
    }

    /// The hit [`RateLimits::check_rate_limit`] would count, for its caller to count in a
    /// statement of its own (with [`SharedHit::judge`] on the window it gets back); `None`
    /// when the limit is off or this node counts in memory, where `check_rate_limit` costs no
    /// trip to the store.
    pub(crate) fn shared_hit(
        &self,
        domain: &Domain,
        operation: Limited,
        ip: IpAddr,
        identifier: &str,
    ) -> Option<SharedHit> {
        let quota = Quota::of(domain);
        let store = self.shared.as_ref().filter(|_| quota.max > 0)?;
        self.sweep_now_and_then(store);
        Some(SharedHit { key: limit_key(domain, operation, ip, identifier), quota })
    }

    /// Whether `key` has used its quota already, without counting a hit (for limits that count
    /// failures only, checked before the attempt).
    pub async fn check(&self, key: &str, quota: Quota) -> Result<(), Duration> {
        if quota.max == 0 {
            return Ok(());
        }
        if let Some(store) = &self.shared {
            match store.peek_window(key).await {
                Ok(Some(window)) if window.hits >= i64::from(quota.max) => {
                    return Err(Duration::from_millis(window.remaining_ms.max(0) as u64));
                }
                Ok(_) => return Ok(()),
                Err(e) => {
                    tracing::warn!(error = %e, "rate limits: the database does not answer; counting on this node")
                }
            }
        }
        self.local.check_at(key, quota, Instant::now())
    }
}

fn refused_past(window: SharedWindow, quota: Quota) -> Result<(), Duration> {
    if window.hits > i64::from(quota.max) {
        Err(Duration::from_millis(window.remaining_ms.max(0) as u64))
    } else {
        Ok(())
    }
}

/// The windows of this node, in memory.
#[derive(Default)]
struct LocalWindows {
    windows: Mutex<HashMap<String, Window>>,
    hits: AtomicU64,
}

impl LocalWindows {
    fn hit_at(&self, key: &str, quota: Quota, now: Instant) -> Result<(), Duration> {
        if quota.max == 0 {
            return Ok(());
        }
        if self.hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(now);
        }
        let Ok(mut windows) = self.windows.lock() else { return Ok(()) };
        let window = windows.entry(key.to_string()).or_insert(Window { ends: now + quota.interval, hits: 0 });
        if window.ends <= now {
            *window = Window { ends: now + quota.interval, hits: 0 };
        }
        window.hits = window.hits.saturating_add(1);
        if window.hits > quota.max { Err(window.ends - now) } else { Ok(()) }
    }

    fn check_at(&self, key: &str, quota: Quota, now: Instant) -> Result<(), Duration> {
        if quota.max == 0 {
            return Ok(());
        }
        let Ok(windows) = self.windows.lock() else { return Ok(()) };
        match windows.get(key) {
            Some(window) if window.ends > now && window.hits >= quota.max => Err(window.ends - now),
            _ => Ok(()),
        }
    }

    /// Forgets ended windows, so that memory follows the active keys only.
    fn sweep(&self, now: Instant) {
        if let Ok(mut windows) = self.windows.lock() {
            windows.retain(|_, window| window.ends > now);
        }
    }
}

impl RateLimits {
    /// Counts an attempt at `operation` by the client at `ip` for `identifier` (an email, a
    /// login identifier, a user id; lower-cased here), refusing it over the domain's limit.
    pub async fn check_rate_limit(
        &self,
        domain: &Domain,
        operation: Limited,
        ip: IpAddr,
        identifier: &str,
    ) -> CoreResult<()> {
        self.hit(&limit_key(domain, operation, ip, identifier), Quota::of(domain))
            .await
            .map_err(|_| CoreError::RateLimited)
    }
}

/// The window an attempt at `operation` counts in: per domain, client address and identifier
/// (lower-cased).
fn limit_key(domain: &Domain, operation: Limited, ip: IpAddr, identifier: &str) -> String {
    format!("{}\n{}\n{}\n{}", domain.name, operation.name(), ip, identifier.trim().to_lowercase())
}

/// A hit on a shared window, counted by the caller (see [`RateLimits::shared_hit`]).
pub(crate) struct SharedHit {
    pub(crate) key: String,
    quota: Quota,
}

impl SharedHit {
    /// The window's length, in milliseconds.
    pub(crate) fn interval_ms(&self) -> i64 {
        self.quota.interval.as_millis() as i64
    }

    /// Refuses the attempt when its hit, counted in `window`, is past the quota.
    pub(crate) fn judge(&self, window: SharedWindow) -> CoreResult<()> {
        refused_past(window, self.quota).map_err(|_| CoreError::RateLimited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Quota = Quota { max: 10, interval: Duration::from_secs(60) };

    #[test]
    fn the_eleventh_hit_is_refused_until_the_window_of_the_first_ends() {
        let limits = LocalWindows::default();
        let start = Instant::now();
        for _ in 0..10 {
            assert!(limits.hit_at("a", MINUTE, start).is_ok());
        }
        assert_eq!(limits.hit_at("a", MINUTE, start), Err(Duration::from_secs(60)));
        // A token bucket would have let one through by now; a fixed window does not.
        let later = start + Duration::from_secs(7);
        assert_eq!(limits.hit_at("a", MINUTE, later), Err(Duration::from_secs(53)));
        assert!(limits.hit_at("a", MINUTE, start + Duration::from_secs(59)).is_err());
        // The window that opened with the first hit has ended: a new one opens.
        let next = start + Duration::from_secs(60);
        for _ in 0..10 {
            assert!(limits.hit_at("a", MINUTE, next).is_ok());
        }
        assert!(limits.hit_at("a", MINUTE, next).is_err());
    }

    #[test]
    fn keys_are_apart_and_zero_is_no_limit() {
        let limits = LocalWindows::default();
        let now = Instant::now();
        for _ in 0..11 {
            let _ = limits.hit_at("a", MINUTE, now);
        }
        assert!(limits.hit_at("b", MINUTE, now).is_ok());
        let off = Quota { max: 0, ..MINUTE };
        assert!((0..100).all(|_| limits.hit_at("a", off, now).is_ok()));
    }

    #[test]
    fn check_counts_nothing_and_refuses_once_the_quota_is_used() {
        let limits = LocalWindows::default();
        let now = Instant::now();
        let quota = Quota { max: 2, ..MINUTE };
        assert!(limits.check_at("a", quota, now).is_ok());
        let _ = limits.hit_at("a", quota, now);
        assert!(limits.check_at("a", quota, now).is_ok());
        let _ = limits.hit_at("a", quota, now);
        assert!(limits.check_at("a", quota, now).is_err());
        assert!(limits.check_at("a", quota, now + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn ended_windows_are_swept() {
        let limits = LocalWindows::default();
        let now = Instant::now();
        let _ = limits.hit_at("a", MINUTE, now);
        limits.sweep(now + Duration::from_secs(61));
        assert!(limits.windows.lock().unwrap().is_empty());
    }
}
