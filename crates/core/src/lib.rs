//! The core of Gatehouse: domains, users, roles, permissions, tokens and events.
//! It knows nothing of HTTP, GraphQL or SQL.
//!
//! [`Core::start`] builds its services, each holding only what it works with, and [`Core`]
//! hands them out: [`Core::auth`], [`Core::users`], [`Core::roles`], [`Core::domains`],
//! [`Core::sessions`], [`Core::audit`], [`Core::emails`], [`Core::imports`],
//! [`Core::rate_limits`], [`Core::admin_gate`]. They share one store: the caching layer
//! ([`store::CachedStore`]) in front of the one the core was started with.

pub mod admin_auth;
pub mod auth;
mod bootstrap;
pub mod domains;
pub mod error;
pub mod events;
pub mod expiring;
pub mod import;
pub mod mail;
pub mod metrics;
pub mod model;
pub mod paging;
pub mod password;
pub mod permissions;
pub mod query;
pub mod ratelimit;
pub mod roles;
pub mod sessions;
pub mod store;
pub mod text;
pub mod token;
pub mod types;
pub mod users;
pub mod validation;

pub use error::{CoreError, CoreResult, Entity};
pub use events::EventRelay;
pub use model::*;
pub use types::{Action, DomainId, DomainName, Email, ParseError, RoleId, SessionId, UserId, Username};
pub use users::{UserDraft, UserPatch, accounts};

use std::sync::Arc;

use admin_auth::AdminGate;
use auth::{Auth, AuthParts};
use domains::Domains;
use events::Audit;
use import::Imports;
use mail::Emails;
use metrics::Metrics;
use password::PasswordHasher;
use ratelimit::RateLimits;
use roles::Roles;
use sessions::Sessions;
use store::{CachedStore, Store};
use token::TokenService;
use users::Users;

/// The services of a running Gatehouse, shared by every endpoint.
pub struct Core {
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    audit: Arc<Audit>,
    emails: Arc<Emails>,
    rate_limits: Arc<RateLimits>,
    sessions: Arc<Sessions>,
    roles: Arc<Roles>,
    domains: Arc<Domains>,
    users: Arc<Users>,
    auth: Arc<Auth>,
    imports: Arc<Imports>,
    admin_gate: Arc<AdminGate>,
}

/// What a core starts with.
pub struct CoreOptions {
    /// Opened and migrated.
    pub store: Arc<dyn Store>,
    /// The domains of the configuration: created when missing, and the only static ones.
    pub static_domains: Vec<DomainName>,
    /// `None`: the secret generated once and kept in the database, shared by every node.
    pub jwt_secret: Option<String>,
    /// Threads hashing passwords; 0 is one per processor.
    pub hash_threads: usize,
    /// Where users reach Gatehouse: the links of its mails start here.
    pub public_url: String,
    pub mailer: mail::Mailer,
}

impl Core {
    /// Prepares the core on an opened store (static domains, their default roles, the JWT
    /// secret) and builds its services, each after those it works with.
    pub async fn start(options: CoreOptions) -> anyhow::Result<Arc<Core>> {
        let CoreOptions { store, static_domains, jwt_secret, hash_threads, public_url, mailer } = options;
        let secret = match jwt_secret {
            Some(secret) => secret,
            None => bootstrap::stored_jwt_secret(store.as_ref()).await?,
        };
        let store: Arc<dyn Store> = Arc::new(CachedStore::new(store));
        bootstrap::static_domains(store.as_ref(), &static_domains).await?;
        let passwords = Arc::new(PasswordHasher::new(hash_threads));
        let tokens = Arc::new(TokenService::new(secret.as_bytes()));
        let mailer = Arc::new(mailer);
        let metrics = Arc::new(Metrics::new(mailer.clone()));
        let audit = Arc::new(Audit::new(store.clone(), metrics.clone()));
        let emails = Arc::new(Emails::new(store.clone(), audit.clone(), mailer, public_url));
        let rate_limits = Arc::new(RateLimits::new(store.clone()));
        let sessions = Arc::new(Sessions::new(store.clone(), tokens.clone(), audit.clone()));
        let roles = Arc::new(Roles::new(store.clone(), audit.clone()));
        let domains = Arc::new(Domains::new(store.clone(), passwords.clone(), audit.clone(), sessions.clone()));
        let users =
            Arc::new(Users::new(store.clone(), passwords.clone(), audit.clone(), sessions.clone(), roles.clone()));
        let auth = Arc::new(Auth::new(AuthParts {
            store: store.clone(),
            passwords: passwords.clone(),
            tokens,
            audit: audit.clone(),
            sessions: sessions.clone(),
            roles: roles.clone(),
            emails: emails.clone(),
            rate_limits: rate_limits.clone(),
        }));
        let imports = Arc::new(Imports::new(store.clone(), audit.clone(), domains.clone(), emails.clone()));
        let admin_gate = Arc::new(AdminGate::new(domains.clone(), passwords, rate_limits.clone(), audit.clone()));
        sessions.start_sweeper();
        Ok(Arc::new(Core {
            store,
            metrics,
            audit,
            emails,
            rate_limits,
            sessions,
            roles,
            domains,
            users,
            auth,
            imports,
            admin_gate,
        }))
    }

    /// Succeeds when the storage answers.
    pub async fn ping(&self) -> CoreResult<()> {
        Ok(self.store.ping().await?)
    }

    /// The storage backend: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The counters `/metrics` renders; transports count requests and streams into them.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The end user's own flows: registration, login, the checks of its tokens and Basic
    /// credentials, its password, and the email flows.
    pub fn auth(&self) -> &Arc<Auth> {
        &self.auth
    }

    /// Users, and the admin's account operations on them.
    pub fn users(&self) -> &Arc<Users> {
        &self.users
    }

    /// Roles, their permissions, and what a caller may do.
    pub fn roles(&self) -> &Arc<Roles> {
        &self.roles
    }

    /// Domains, their settings and their admins' passwords.
    pub fn domains(&self) -> &Arc<Domains> {
        &self.domains
    }

    /// Access tokens and sessions.
    pub fn sessions(&self) -> &Arc<Sessions> {
        &self.sessions
    }

    /// The audit log: events recorded, listed, streamed and relayed between nodes.
    pub fn audit(&self) -> &Arc<Audit> {
        &self.audit
    }

    /// The domains' mail templates.
    pub fn emails(&self) -> &Arc<Emails> {
        &self.emails
    }

    /// Users in and out in bulk: file imports, exports, the import from Strapi.
    pub fn imports(&self) -> &Arc<Imports> {
        &self.imports
    }

    /// The rate limits of the user API's sensitive operations.
    pub fn rate_limits(&self) -> &Arc<RateLimits> {
        &self.rate_limits
    }

    /// The checks of the admin API's credentials.
    pub fn admin_gate(&self) -> &Arc<AdminGate> {
        &self.admin_gate
    }
}
