//! Rate limits of the auth mutations: a keyed GCRA limiter (governor) per quota, keyed by
//! domain, operation, client IP and identifier. The quota comes from the domain's settings at
//! every check, so a settings change applies to the next request. Limits are per node.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Core;
use super::error::{CoreError, CoreResult};
use super::model::Domain;

/// The operations that are rate limited; each has its own buckets.
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

/// How often idle buckets are swept, in checks.
const SWEEP_EVERY: u64 = 4096;

type Limiter = Arc<DefaultKeyedRateLimiter<String>>;

#[derive(Default)]
pub struct RateLimits {
    /// One limiter per (max, interval) pair in use.
    limiters: Mutex<HashMap<(u32, u32), Limiter>>,
    checks: AtomicU64,
}

impl RateLimits {
    /// Counts one request against `key`; false when it is over `max` per `interval_seconds`.
    /// `max == 0` disables the limit.
    pub fn allow(&self, max: u32, interval_seconds: u32, key: String) -> bool {
        let Some(burst) = NonZeroU32::new(max) else { return true };
        let limiter = {
            let Ok(mut limiters) = self.limiters.lock() else { return true };
            limiters
                .entry((max, interval_seconds))
                .or_insert_with(|| {
                    // `max` requests at once, then one more every interval/max: never more
                    // than `max` in any window of `interval`.
                    let period = Duration::from_secs(u64::from(interval_seconds.max(1))) / max;
                    let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
                        .expect("non-zero period")
                        .allow_burst(burst);
                    Arc::new(RateLimiter::keyed(quota))
                })
                .clone()
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        limiter.check_key(&key).is_ok()
    }

    /// Forgets buckets that are full again, so that memory follows the active keys only.
    fn sweep(&self) {
        if let Ok(limiters) = self.limiters.lock() {
            for limiter in limiters.values() {
                limiter.retain_recent();
            }
        }
    }
}

impl Core {
    /// Counts an attempt at `operation` by the client at `ip` for `identifier` (an email, a
    /// login identifier, a user id; lower-cased here), refusing it over the domain's limit.
    pub fn check_rate_limit(
        &self,
        domain: &Domain,
        operation: Limited,
        ip: IpAddr,
        identifier: &str,
    ) -> CoreResult<()> {
        let settings = &domain.settings;
        let key = format!("{}\n{}\n{}\n{}", domain.name, operation.name(), ip, identifier.trim().to_lowercase());
        if self.rate_limits.allow(settings.rate_limit_max, settings.rate_limit_interval_seconds, key) {
            Ok(())
        } else {
            Err(CoreError::RateLimited)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_request_in_a_burst_is_refused_and_other_keys_are_not() {
        let limits = RateLimits::default();
        for _ in 0..10 {
            assert!(limits.allow(10, 60, "a".into()));
        }
        assert!(!limits.allow(10, 60, "a".into()));
        assert!(limits.allow(10, 60, "b".into()));
        assert!(limits.allow(0, 60, "a".into()), "max 0 disables the limit");
    }
}
