//! The core of Gatehouse: domains, users, roles, permissions, tokens and events.
//! It knows nothing of HTTP, GraphQL or SQL.

pub mod accounts;
pub mod admin_auth;
pub mod auth;
mod bootstrap;
pub mod cache;
pub mod domains;
pub mod error;
pub mod events;
pub mod export;
pub mod import;
pub mod mail;
pub mod metrics;
pub mod model;
pub mod password;
pub mod permissions;
pub mod query;
pub mod ratelimit;
mod relay;
pub mod roles;
pub mod store;
pub mod text;
pub mod token;
pub mod users;
pub mod validation;

pub use error::{CoreError, CoreResult, Entity};
pub use model::*;
pub use users::{UserDraft, UserPatch};

use std::sync::Arc;

use password::PasswordHasher;
use store::Store;
use token::TokenService;

/// Everything a request needs, shared by every endpoint.
pub struct Core {
    pub store: Arc<dyn Store>,
    pub passwords: PasswordHasher,
    pub tokens: TokenService,
    pub public_url: String,
    pub domains: cache::DomainCache,
    pub users: cache::UserCache,
    pub roles: cache::RoleCache,
    pub events: events::EventBus,
    /// Counters for `/metrics`; see `metrics` for who counts what.
    pub metrics: Arc<metrics::Metrics>,
    pub mailer: Arc<mail::Mailer>,
    pub rate_limits: ratelimit::RateLimits,
    pub credentials: auth::CredentialCache,
}

impl Core {
    /// Prepares the core on an opened store: static domains, their default roles, the JWT secret.
    pub async fn start(
        store: Arc<dyn Store>,
        static_domains: &[String],
        jwt_secret: Option<&str>,
        hash_threads: usize,
        public_url: String,
        mailer: mail::Mailer,
    ) -> anyhow::Result<Arc<Core>> {
        let secret = match jwt_secret {
            Some(secret) => secret.to_string(),
            None => bootstrap::stored_jwt_secret(store.as_ref()).await?,
        };
        let mailer = Arc::new(mailer);
        let rate_limits = ratelimit::RateLimits::new(store.clone());
        let core = Core {
            passwords: PasswordHasher::new(hash_threads),
            tokens: TokenService::new(secret.as_bytes()),
            store,
            public_url,
            domains: cache::DomainCache::default(),
            users: cache::UserCache::default(),
            roles: cache::RoleCache::default(),
            events: events::EventBus::default(),
            metrics: Arc::new(metrics::Metrics::new(mailer.clone())),
            mailer,
            rate_limits,
            credentials: auth::CredentialCache::default(),
        };
        bootstrap::static_domains(&core, static_domains).await?;
        Ok(Arc::new(core))
    }

    /// The domain named `name`, with an error when it does not exist.
    pub async fn domain(&self, name: &str) -> CoreResult<Domain> {
        self.store
            .domain_by_name(name)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Domain, "Domain does not exist"))
    }

    /// The domain named `name` through the cache, for request routing.
    pub async fn cached_domain(&self, name: &str) -> CoreResult<Option<Arc<Domain>>> {
        if let Some(hit) = self.domains.get(name) {
            return Ok(hit);
        }
        let domain = self.store.domain_by_name(name).await?.map(Arc::new);
        self.domains.put(name, domain.clone());
        Ok(domain)
    }

    /// Looks up a role of the domain, if any.
    pub async fn role(&self, domain: &Domain, id: i64) -> CoreResult<Option<Role>> {
        Ok(self.store.role_by_id(domain.id, id).await?)
    }

    pub async fn role_permissions(&self, role_id: i64) -> CoreResult<Vec<String>> {
        Ok(self.store.role_permissions(role_id).await?)
    }
}
