//! `Authorization: Basic username@domain:password` on the user endpoint (MongooseIM's user
//! endpoint model), for scripts and GraphiQL. Verified credentials are remembered for a short
//! time, keyed by a SHA-256 of the domain, username and password, so that repeated requests do
//! not each cost a password hash; a remembered entry is void once the user's token version has
//! changed (password change, block, revocation).

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::Auth;
use super::{TokenRefusal, check_owner};
use crate::events::{Actor, EventKind, NewEvent};
use crate::expiring::Expiring;
use crate::model::{Domain, DomainStatus, User};
use crate::password::Verdict;
use crate::ratelimit::Limited;
use crate::types::{UserId, Username};
use tracing::instrument;

/// How long verified credentials are remembered.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
const CACHE_MAX: usize = 10_000;

#[derive(Clone, Copy)]
struct Verified {
    user_id: UserId,
    token_version: i64,
}

/// Not a cache of the store (no store call answers "is this the password?"): what a password
/// verification concluded, by a hash of the credentials.
pub struct CredentialCache(Expiring<[u8; 32], Verified>);

impl Default for CredentialCache {
    fn default() -> Self {
        Self(Expiring::new(CACHE_TTL, CACHE_MAX))
    }
}

fn cache_key(domain: &Domain, username: &str, password: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [domain.name.as_str(), username, password] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

impl Auth {
    /// The user of `domain` named `username` when `password` is its password. Verifications
    /// (not remembered ones) count against the login rate limit of the client.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(Debug, level = "debug"))]
    pub async fn authenticate_password(
        &self,
        domain: &Domain,
        username: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<User, TokenRefusal> {
        if domain.status == DomainStatus::Disabled {
            return Err(TokenRefusal::DomainDisabled);
        }
        let lookup_failed = |e: crate::error::StoreError| {
            tracing::error!(error = %e, "credential owner lookup failed");
            TokenRefusal::Invalid
        };
        let key = cache_key(domain, username, password);
        if let Some(verified) = self.credentials.0.get(&key) {
            let user = self.store.user_by_id(domain.id, verified.user_id).await.map_err(lookup_failed)?;
            if let Some(user) = user.filter(|u| u.token_version == verified.token_version) {
                check_owner(domain, &user)?;
                return Ok(user);
            }
        }
        self.rate_limits
            .check_rate_limit(domain, Limited::Login, ip, username)
            .await
            .map_err(|_| TokenRefusal::RateLimited)?;
        let found = match Username::parse(username) {
            Ok(username) => self.store.user_by_username(domain.id, &username).await.map_err(lookup_failed)?,
            // No one has a name that is not a username: refused below like an unknown user.
            Err(_) => None,
        };
        let verdict = match found.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(hash) => self.passwords.verify(password, hash).await,
            None => self.passwords.verify_dummy(password).await,
        }
        .map_err(|e| {
            tracing::error!(error = %e, "password verification failed");
            TokenRefusal::Invalid
        })?;
        let user = match (found, verdict) {
            (Some(user), Verdict::Correct | Verdict::CorrectNeedsRehash) => user,
            (user, _) => {
                let mut event = NewEvent::new(EventKind::LoginFailed, &domain.name, Actor::Anonymous).details(
                    serde_json::json!({ "identifier": username, "reason": "invalid_credentials", "method": "basic" }),
                );
                if let Some(user) = &user {
                    event = event.user(&user.username, &domain.name);
                }
                self.audit.record(event).await;
                return Err(TokenRefusal::Invalid);
            }
        };
        check_owner(domain, &user)?;
        self.credentials.0.insert(key, Verified { user_id: user.id, token_version: user.token_version });
        let event = NewEvent::new(EventKind::LoginSucceeded, &domain.name, crate::users::user_actor(&user, domain))
            .user(&user.username, &domain.name)
            .details(serde_json::json!({ "method": "basic" }));
        if let Err(e) = self.audit.record_login(domain.id, user.id, event).await {
            tracing::warn!(error = %e, "cannot record the login");
        }
        Ok(user)
    }
}
