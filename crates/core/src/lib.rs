//! The core of Gatehouse: domains, users, roles, permissions, tokens and events.
//! It knows nothing of HTTP, GraphQL or SQL.

pub mod admin_auth;
pub mod auth;
mod bootstrap;
pub mod domains;
pub mod error;
pub mod events;
pub mod export;
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

use password::PasswordHasher;
use store::Store;
use token::TokenService;

/// Everything a request needs, shared by every endpoint. Its store is the caching layer
/// ([`store::CachedStore`]) in front of the one it was started with.
pub struct Core {
    store: Arc<dyn Store>,
    domains: Arc<domains::Domains>,
    users: Arc<users::Users>,
    sessions: Arc<sessions::Sessions>,
    roles: Arc<roles::Roles>,
    audit: Arc<events::Audit>,
    /// Counters for `/metrics`; see `metrics` for who counts what.
    metrics: Arc<metrics::Metrics>,
    emails: Arc<mail::Emails>,
    rate_limits: Arc<ratelimit::RateLimits>,
    auth: Arc<auth::Auth>,
    admin_gate: Arc<admin_auth::AdminGate>,
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
    /// Prepares the core on an opened store: static domains, their default roles, the JWT secret.
    pub async fn start(options: CoreOptions) -> anyhow::Result<Arc<Core>> {
        let CoreOptions { store, static_domains, jwt_secret, hash_threads, public_url, mailer } = options;
        let secret = match jwt_secret {
            Some(secret) => secret,
            None => bootstrap::stored_jwt_secret(store.as_ref()).await?,
        };
        let store: Arc<dyn Store> = Arc::new(store::CachedStore::new(store));
        let mailer = Arc::new(mailer);
        let rate_limits = Arc::new(ratelimit::RateLimits::new(store.clone()));
        let metrics = Arc::new(metrics::Metrics::new(mailer.clone()));
        let audit = Arc::new(events::Audit::new(store.clone(), metrics.clone()));
        let emails = Arc::new(mail::Emails::new(store.clone(), audit.clone(), mailer, public_url));
        let tokens = Arc::new(TokenService::new(secret.as_bytes()));
        let sessions = Arc::new(sessions::Sessions::new(store.clone(), tokens.clone(), audit.clone()));
        let passwords = Arc::new(PasswordHasher::new(hash_threads));
        let domains =
            Arc::new(domains::Domains::new(store.clone(), passwords.clone(), audit.clone(), sessions.clone()));
        bootstrap::static_domains(store.as_ref(), &static_domains).await?;
        let roles = Arc::new(roles::Roles::new(store.clone(), audit.clone()));
        let users = Arc::new(users::Users::new(
            store.clone(),
            passwords.clone(),
            audit.clone(),
            sessions.clone(),
            roles.clone(),
        ));
        let auth = Arc::new(auth::Auth::new(auth::AuthParts {
            store: store.clone(),
            passwords: passwords.clone(),
            tokens: tokens.clone(),
            audit: audit.clone(),
            sessions: sessions.clone(),
            roles: roles.clone(),
            emails: emails.clone(),
            rate_limits: rate_limits.clone(),
        }));
        let admin_gate = Arc::new(admin_auth::AdminGate::new(
            domains.clone(),
            passwords.clone(),
            rate_limits.clone(),
            audit.clone(),
        ));
        let core = Core {
            auth,
            admin_gate,
            users,
            domains,
            sessions: sessions.clone(),
            roles,
            store,
            audit,
            metrics,
            emails,
            rate_limits,
        };
        let core = Arc::new(core);
        sessions.start_sweeper();
        Ok(core)
    }

    /// Succeeds when the storage answers.
    pub async fn ping(&self) -> CoreResult<()> {
        Ok(self.store.ping().await?)
    }

    /// The storage backend: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The audit log: events recorded, listed and streamed.
    pub fn audit(&self) -> &Arc<events::Audit> {
        &self.audit
    }

    /// The domains' mail templates.
    pub fn emails(&self) -> &Arc<mail::Emails> {
        &self.emails
    }

    /// Domains, their settings and their admins.
    pub fn domains(&self) -> &Arc<domains::Domains> {
        &self.domains
    }

    /// Users and the admin's account operations.
    pub fn users(&self) -> &Arc<users::Users> {
        &self.users
    }

    /// The end user's sign-in, credentials, password and email flows.
    pub fn auth(&self) -> &Arc<auth::Auth> {
        &self.auth
    }

    /// The checks of the admin API's credentials.
    pub fn admin_gate(&self) -> &Arc<admin_auth::AdminGate> {
        &self.admin_gate
    }

    /// The rate limits of the user API's sensitive operations.
    pub fn rate_limits(&self) -> &Arc<ratelimit::RateLimits> {
        &self.rate_limits
    }

    /// Access tokens and sessions.
    pub fn sessions(&self) -> &Arc<sessions::Sessions> {
        &self.sessions
    }

    /// Roles, permissions and authorization.
    pub fn roles(&self) -> &Arc<roles::Roles> {
        &self.roles
    }

    /// The counters `/metrics` renders; transports count requests and streams into them.
    pub fn metrics(&self) -> &Arc<metrics::Metrics> {
        &self.metrics
    }
}
