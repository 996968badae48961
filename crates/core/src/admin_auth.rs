//! Who may use the admin API: the global admin, with the credentials configured on its
//! listener, and each domain's admin (`admin@DOMAIN`), with the Argon2id hash kept with the
//! domain (none = disabled). Failed logins are recorded and counted per client address (by the
//! core's rate limiter); past `MAX_FAILURES` in `WINDOW` the client is refused until the
//! window ends, before any password is looked at.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use quick_cache::sync::Cache;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::domains::Domains;
use super::events::{Actor, Audit, EventKind, NewEvent};
use super::password::{PasswordHasher, Verdict};
use super::ratelimit::{Quota, RateLimits};
use super::types::DomainName;
use tracing::instrument;

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Verified domain-admin passwords remembered, so that scripts do not pay a hash per request.
const MAX_VERIFIED: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminLoginError {
    WrongCredentials,
    /// Too many failures from this client; try again after this many seconds.
    TooManyFailures {
        retry_after: u64,
    },
    /// Storage failed; nothing can be said about the credentials.
    Unavailable,
}

const FAILURES: Quota = Quota { max: MAX_FAILURES, interval: WINDOW };

/// The rate-limit key of a client's failed admin logins.
fn failures_key(client: IpAddr) -> String {
    format!("admin-login\n{client}")
}

/// The admin credential checks, shared by the admin listeners of one server.
pub struct AdminGate {
    domains: Arc<Domains>,
    passwords: Arc<PasswordHasher>,
    rate_limits: Arc<RateLimits>,
    audit: Arc<Audit>,
    /// Digest of (domain, password) -> the stored hash it was verified against. A new password
    /// changes the stored hash, so a remembered old one no longer matches.
    verified: Cache<[u8; 32], Arc<str>>,
    /// Keys the digests above, so that they are useless outside this process.
    key: [u8; 32],
}

impl AdminGate {
    pub(crate) fn new(
        domains: Arc<Domains>,
        passwords: Arc<PasswordHasher>,
        rate_limits: Arc<RateLimits>,
        audit: Arc<Audit>,
    ) -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self { domains, passwords, rate_limits, audit, verified: Cache::new(MAX_VERIFIED), key }
    }

    /// Checks the global admin's Basic credentials against the configured pair.
    #[instrument(skip_all, level = "debug", err(Debug, level = "debug"))]
    pub async fn check_global(
        &self,
        client: IpAddr,
        expected: (&str, &str),
        given: (&str, &str),
    ) -> Result<(), AdminLoginError> {
        self.check_not_limited(client).await?;
        let digest = |(user, password): (&str, &str)| self.digest(&[user.as_bytes(), password.as_bytes()]);
        if constant_time_eq(&digest(expected), &digest(given)) {
            return Ok(());
        }
        self.failed(client, None, "global_admin").await;
        Err(AdminLoginError::WrongCredentials)
    }

    /// Checks `admin@DOMAIN` and its password; returns the (normalised) domain.
    #[instrument(skip_all, level = "debug", err(Debug, level = "debug"))]
    pub async fn check_domain_admin(
        &self,
        client: IpAddr,
        login: &str,
        password: &str,
    ) -> Result<String, AdminLoginError> {
        self.check_not_limited(client).await?;
        let unavailable = |e: super::CoreError| {
            tracing::error!(error = %e, "domain admin check failed");
            AdminLoginError::Unavailable
        };
        let domain = match login.rsplit_once('@') {
            Some((local, domain)) if local.eq_ignore_ascii_case("admin") => DomainName::parse(domain).ok(),
            _ => None,
        };
        let domain = match domain {
            Some(name) => self.domains.cached_domain(&name).await.map_err(unavailable)?,
            None => None,
        };
        let stored = match &domain {
            Some(domain) => self.domains.admin_hash(domain).await.map_err(unavailable)?,
            None => None,
        };
        let (Some(domain), Some(stored)) = (domain, stored) else {
            // Same work as a wrong password, so that timing does not tell which domains exist.
            let _ = self.passwords.verify_dummy(password).await;
            self.failed(client, None, "domain_admin").await;
            return Err(AdminLoginError::WrongCredentials);
        };
        let digest = self.digest(&[domain.name.as_bytes(), password.as_bytes()]);
        if self.verified.get(&digest).is_some_and(|verified| *verified == *stored) {
            return Ok(domain.name.to_string());
        }
        let verdict = self.passwords.verify(password, &stored).await.map_err(|e| unavailable(e.into()))?;
        if verdict == Verdict::Wrong {
            self.failed(client, Some(&domain.name), "domain_admin").await;
            return Err(AdminLoginError::WrongCredentials);
        }
        self.verified.insert(digest, Arc::from(stored));
        Ok(domain.name.to_string())
    }

    fn digest(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.key);
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        hasher.finalize().into()
    }

    async fn check_not_limited(&self, client: IpAddr) -> Result<(), AdminLoginError> {
        self.rate_limits
            .check(&failures_key(client), FAILURES)
            .await
            .map_err(|left| AdminLoginError::TooManyFailures { retry_after: left.as_secs().max(1) })
    }

    async fn failed(&self, client: IpAddr, domain: Option<&str>, realm: &str) {
        // Counted only: the refusal comes from `check_not_limited` at the next attempt.
        let _ = self.rate_limits.hit(&failures_key(client), FAILURES).await;
        let event = NewEvent {
            kind: EventKind::LoginFailed,
            domain: domain.map(str::to_string),
            user: None,
            actor: Actor::Anonymous,
            details: json!({ "admin": realm, "reason": "wrong_credentials", "client": client.to_string() }),
        };
        self.audit.record(event).await;
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
