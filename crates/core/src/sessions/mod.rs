//! Sessions of a domain using refresh tokens (Strapi 5's `refresh` mode): one per sign-in,
//! with short access tokens bound to it and an opaque refresh token that is exchanged for a
//! new one at each use. Ending a session refuses its access tokens at once on every node: the
//! `SESSION_ENDED` event clears the session cache here and, through the event relay, on the
//! other nodes. Refresh tokens are stored only as SHA-256 hashes.

mod device;

pub use device::device_name;

use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{CoreError, CoreResult, Entity};
use crate::events::Audit;
use crate::events::{Actor, EventKind, NewEvent};
use crate::model::{Domain, JwtManagement, Settings, User, now_millis};
use crate::store::{NewSession, Rotation, RotationOutcome, SessionCounts, SessionScope, Store, StoredSession};
use crate::text;
use crate::token::TokenService;
use crate::types::{SessionId, UserId};
use tracing::instrument;

/// Refresh tokens: 32 random bytes as 64 lower-case hex characters.
const REFRESH_TOKEN_BYTES: usize = 32;
/// How often ended and expired sessions are deleted, and how many per statement.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
const SWEEP_BATCH: i64 = 1000;

/// Where a sign-in comes from, as the request tells it.
#[derive(Debug, Clone, Default)]
pub struct SessionClient {
    /// The client's own name for the device (Strapi's `deviceId`).
    pub device_id: Option<String>,
    pub user_agent: Option<String>,
    pub address: Option<IpAddr>,
}

/// Why sessions ended, as the `SESSION_ENDED` event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    Logout,
    /// An admin ended it, with the reason given.
    Kicked(String),
    RefreshTokenReused,
    PasswordChanged,
    PasswordReset,
    UserBlocked,
    UserDeleted,
    /// An admin revoked every token of the user.
    TokensRevoked,
    DomainDisabled,
    DomainRemoved,
}

impl EndReason {
    pub fn code(&self) -> &'static str {
        match self {
            EndReason::Logout => "logout",
            EndReason::Kicked(_) => "kicked",
            EndReason::RefreshTokenReused => "refresh_token_reused",
            EndReason::PasswordChanged => "password_changed",
            EndReason::PasswordReset => "password_reset",
            EndReason::UserBlocked => "user_blocked",
            EndReason::UserDeleted => "user_deleted",
            EndReason::TokensRevoked => "tokens_revoked",
            EndReason::DomainDisabled => "domain_disabled",
            EndReason::DomainRemoved => "domain_removed",
        }
    }
}

/// The tokens of a sign-in: an access token, and a refresh token when the domain uses them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub jwt: String,
    pub refresh_token: Option<String>,
}

/// A rotation's answer.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub jwt: String,
    pub refresh_token: String,
    pub session: SessionId,
}

/// What a logout names; the first rule that applies wins, in Strapi's order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Logout<'a> {
    /// `scope: "all"`: every session of the user.
    pub all: bool,
    /// Every session of the user on this device.
    pub device_id: Option<&'a str>,
    /// The session of this refresh token.
    pub refresh_token: Option<&'a str>,
    /// The session of the caller's access token; with none of the above and no session,
    /// every session of the user ends.
    pub current: Option<&'a SessionId>,
}

/// The checks of a domain's session settings, for the admin API and the static domains.
pub fn validate_settings(settings: &Settings) -> CoreResult<()> {
    let lifespans =
        [settings.access_token_lifespan, settings.max_refresh_token_lifespan, settings.idle_refresh_token_lifespan];
    if lifespans.iter().any(|&seconds| seconds <= 0) {
        return Err(CoreError::invalid("Lifetimes must be positive"));
    }
    if settings.refresh_reuse_grace_seconds < 0 {
        return Err(CoreError::invalid("refreshReuseGraceSeconds must not be negative"));
    }
    let name = &settings.refresh_cookie_name;
    // A cookie name is an RFC 6265 token.
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > 128 || !name.chars().all(token_char) {
        return Err(CoreError::invalid("refreshCookieName must be 1 to 128 letters, digits or !#$%&'*+-.^_`|~"));
    }
    let path = &settings.refresh_cookie_path;
    text::check_bytes("refreshCookiePath", path, text::URL_MAX_BYTES)?;
    if !path.starts_with('/') || path.chars().any(|c| c.is_control() || c == ';') {
        return Err(CoreError::invalid("refreshCookiePath must start with / and hold no ; or control character"));
    }
    if settings.refresh_cookie_max_age.is_some_and(|age| age <= 0) {
        return Err(CoreError::invalid("refreshCookieMaxAge must be positive"));
    }
    Ok(())
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; REFRESH_TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random UUID v4, the device id Strapi gives a session that was not named by its client.
fn random_device_id() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Signing in: access tokens, and the sessions of the domains using refresh tokens.
pub struct Sessions {
    store: Arc<dyn Store>,
    tokens: Arc<TokenService>,
    audit: Arc<Audit>,
}

impl Sessions {
    pub(crate) fn new(store: Arc<dyn Store>, tokens: Arc<TokenService>, audit: Arc<Audit>) -> Self {
        Self { store, tokens, audit }
    }

    /// A legacy access token (no session) for the user, valid for the domain's JWT lifetime.
    pub fn issue_jwt(&self, domain: &Domain, user: &User) -> CoreResult<String> {
        Ok(self.issue_legacy_token(domain, user)?.0)
    }

    /// [`Sessions::issue_jwt`], with the token's expiry (Unix seconds).
    pub(crate) fn issue_legacy_token(&self, domain: &Domain, user: &User) -> CoreResult<(String, i64)> {
        Ok(self.tokens.issue(user.id, &domain.name, user.token_version, domain.settings.jwt_lifetime_seconds)?)
    }

    /// The tokens of a successful sign-in: a legacy token, or a new session's tokens when the
    /// domain uses refresh tokens. `named_device` is false where Strapi names the device itself.
    pub(crate) async fn sign_in(
        &self,
        domain: &Domain,
        user: &User,
        client: &SessionClient,
        named_device: bool,
    ) -> CoreResult<SignedIn> {
        if domain.settings.jwt_management == JwtManagement::Legacy {
            return Ok(SignedIn { jwt: self.issue_jwt(domain, user)?, refresh_token: None });
        }
        let device_id = match (&client.device_id, named_device) {
            (Some(id), true) if !id.is_empty() => Some(id.clone()),
            (_, true) => None,
            (_, false) => Some(random_device_id()),
        };
        let (session, refresh_token) = self.start_session(domain, user, client, device_id).await?;
        let jwt = self.issue_session_jwt(domain, user, &session.id)?;
        Ok(SignedIn { jwt, refresh_token: Some(refresh_token) })
    }

    async fn start_session(
        &self,
        domain: &Domain,
        user: &User,
        client: &SessionClient,
        device_id: Option<String>,
    ) -> CoreResult<(StoredSession, String)> {
        let settings = &domain.settings;
        let (id, token, now) = (SessionId::generate(), new_refresh_token(), now_millis());
        let device_name = client.user_agent.as_deref().and_then(device_name);
        let address = client.address.map(|a| a.to_string());
        let session = self
            .store
            .insert_session(&NewSession {
                id: &id,
                domain_id: domain.id,
                user_id: user.id,
                device_id: device_id.as_deref(),
                device_name: device_name.as_deref(),
                client_address: address.as_deref(),
                node: self.audit.node(),
                now,
                expires_at: now + settings.idle_refresh_token_lifespan * 1000,
                absolute_expires_at: now + settings.max_refresh_token_lifespan * 1000,
                token_hash: &token_hash(&token),
            })
            .await?;
        self.audit
            .record(
                NewEvent::new(
                    EventKind::SessionStarted,
                    &domain.name,
                    Actor::User(format!("{}@{}", user.username, domain.name)),
                )
                .user(&user.username, &domain.name)
                .details(json!({
                    "session": session.id.as_str(),
                    "deviceId": session.device_id,
                    "deviceName": session.device_name,
                    "address": session.client_address,
                })),
            )
            .await;
        Ok((session, token))
    }

    fn issue_session_jwt(&self, domain: &Domain, user: &User, session: &SessionId) -> CoreResult<String> {
        let lifetime = domain.settings.access_token_lifespan;
        let (jwt, _) = self.tokens.issue_for(user.id, &domain.name, user.token_version, Some(session), lifetime)?;
        Ok(jwt)
    }

    /// Exchanges a refresh token for a new one and a new access token. A token that was already
    /// exchanged ends its session (someone else holds a copy) and is refused like an unknown one.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn refresh_session(&self, domain: &Domain, presented: &str) -> CoreResult<Refreshed> {
        crate::auth::ensure_enabled(domain)?;
        let settings = &domain.settings;
        let (token, now) = (new_refresh_token(), now_millis());
        let rotation = Rotation {
            domain_id: domain.id,
            presented_hash: &token_hash(presented),
            new_hash: &token_hash(&token),
            now,
            idle_until: now + settings.idle_refresh_token_lifespan * 1000,
            grace_ms: settings.refresh_reuse_grace_seconds * 1000,
        };
        let (session, user_id) = match self.store.rotate_refresh_token(&rotation).await? {
            RotationOutcome::Rotated { session, user } => (session, user),
            RotationOutcome::Invalid => return Err(CoreError::InvalidRefreshToken),
            RotationOutcome::Reused(session) => {
                self.report_reuse(domain, &session).await;
                return Err(CoreError::InvalidRefreshToken);
            }
        };
        let user = self.store.token_owner(domain.id, user_id).await?.ok_or(CoreError::InvalidRefreshToken)?;
        if user.blocked {
            return Err(CoreError::InvalidRefreshToken);
        }
        let jwt = self.issue_session_jwt(domain, &user, &session)?;
        Ok(Refreshed { jwt, refresh_token: token, session })
    }

    async fn report_reuse(&self, domain: &Domain, session: &StoredSession) {
        let owner = self.store.user_by_id(domain.id, session.user_id).await.ok().flatten();
        let with_user = |event: NewEvent| match &owner {
            Some(user) => event.user(&user.username, &domain.name),
            None => event,
        };
        self.audit
            .record(with_user(
                NewEvent::new(EventKind::RefreshTokenReused, &domain.name, Actor::Anonymous)
                    .details(json!({ "session": session.id.as_str() })),
            ))
            .await;
        self.audit
            .record(with_user(
                NewEvent::new(EventKind::SessionEnded, &domain.name, Actor::Anonymous)
                    .details(json!({ "session": session.id.as_str(), "reason": EndReason::RefreshTokenReused.code() })),
            ))
            .await;
    }

    /// Ends the live sessions in `scope` (of `owner` when it names a user), recording one
    /// `SESSION_ENDED` per session, or one for a whole domain's.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn end_sessions(
        &self,
        domain: &Domain,
        owner: Option<&User>,
        scope: SessionScope<'_>,
        reason: EndReason,
        actor: Actor,
    ) -> CoreResult<Vec<StoredSession>> {
        let ended = self.store.end_sessions(domain.id, scope, now_millis()).await?;
        let mut details = json!({ "reason": reason.code() });
        if let EndReason::Kicked(message) = &reason {
            details["message"] = json!(message);
        }
        if matches!(scope, SessionScope::Domain) {
            if !ended.is_empty() {
                details["sessions"] = json!(ended.len());
                self.audit.record(NewEvent::new(EventKind::SessionEnded, &domain.name, actor).details(details)).await;
            }
            return Ok(ended);
        }
        for session in &ended {
            let mut details = details.clone();
            details["session"] = json!(session.id.as_str());
            let mut event = NewEvent::new(EventKind::SessionEnded, &domain.name, actor.clone()).details(details);
            if let Some(user) = owner {
                event = event.user(&user.username, &domain.name);
            }
            self.audit.record(event).await;
        }
        Ok(ended)
    }

    /// The domain must use refresh tokens: the session operations are not found otherwise.
    pub fn require_refresh_mode(&self, domain: &Domain) -> CoreResult<()> {
        match domain.settings.jwt_management {
            JwtManagement::Refresh => Ok(()),
            JwtManagement::Legacy => Err(CoreError::not_found(Entity::Session, "Not Found")),
        }
    }

    /// Ends the sessions a logout of `user` names (see [`Logout`]).
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn logout(&self, domain: &Domain, user: &User, logout: Logout<'_>, actor: Actor) -> CoreResult<()> {
        let of_token = match logout.refresh_token {
            Some(token) => self.session_of_refresh_token(domain, token).await?.filter(|s| s.user_id == user.id),
            None => None,
        };
        let scope = match (logout.all, logout.device_id.filter(|d| !d.is_empty()), &of_token, logout.current) {
            (true, ..) => SessionScope::User(user.id),
            (_, Some(device), ..) => SessionScope::UserDevice(user.id, device),
            (_, _, Some(session), _) => SessionScope::OneOfUser(user.id, &session.id),
            (_, _, _, Some(current)) => SessionScope::OneOfUser(user.id, current),
            _ => SessionScope::User(user.id),
        };
        self.end_sessions(domain, Some(user), scope, EndReason::Logout, actor).await?;
        Ok(())
    }

    /// Ends one of `user`'s sessions, named by its id; any other id is not found.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn end_own_session(&self, domain: &Domain, user: &User, id: &str, actor: Actor) -> CoreResult<()> {
        let not_found = || CoreError::not_found(Entity::Session, "Session not found");
        let id = SessionId::parse(id).map_err(|_| not_found())?;
        let scope = SessionScope::OneOfUser(user.id, &id);
        let ended = self.end_sessions(domain, Some(user), scope, EndReason::Logout, actor).await?;
        if ended.is_empty() {
            return Err(not_found());
        }
        Ok(())
    }

    /// The live session one of whose refresh tokens this is.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn session_of_refresh_token(&self, domain: &Domain, token: &str) -> CoreResult<Option<StoredSession>> {
        Ok(self.store.live_session_of_token(domain.id, &token_hash(token), now_millis()).await?)
    }

    /// The user's live sessions, the most recently used first.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn user_sessions(&self, domain: &Domain, user_id: UserId) -> CoreResult<Vec<StoredSession>> {
        Ok(self.store.user_sessions(domain.id, user_id, now_millis()).await?)
    }

    /// The domain's live sessions, the most recently used first.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn domain_sessions(&self, domain: &Domain, limit: i64) -> CoreResult<Vec<StoredSession>> {
        Ok(self.store.domain_sessions(domain.id, now_millis(), limit).await?)
    }

    /// Live sessions and online users, of a domain or of all.
    #[instrument(skip_all, level = "debug", err(level = "debug"))]
    pub async fn count_sessions(&self, domain: Option<&Domain>) -> CoreResult<SessionCounts> {
        Ok(self.store.count_sessions(domain.map(|d| d.id), now_millis()).await?)
    }

    /// A live session of the domain by id, whatever its owner.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn live_session(&self, domain: &Domain, id: &SessionId) -> CoreResult<StoredSession> {
        self.store
            .live_session(domain.id, id, now_millis())
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Session, "No active session"))
    }

    /// Whether the session of an access token is live and `user`'s; the caching layer
    /// remembers the answer briefly, and forgets it at every `SESSION_ENDED` (here or on
    /// another node).
    pub(crate) async fn session_is_live(&self, domain: &Domain, id: &SessionId, user: UserId) -> CoreResult<bool> {
        let owner = self.store.live_session_owner(domain.id, id, now_millis()).await?;
        Ok(owner == Some(user))
    }

    /// Deletes the sessions that ended or expired; returns how many.
    #[instrument(skip_all, level = "debug", err(level = "debug"))]
    pub async fn sweep_sessions(&self) -> CoreResult<u64> {
        let mut swept = 0;
        loop {
            let done = self.store.sweep_sessions(now_millis(), SWEEP_BATCH).await?;
            swept += done;
            if done < SWEEP_BATCH as u64 {
                return Ok(swept);
            }
            // Small batches with a pause between: requests are never kept waiting long.
            tokio::task::yield_now().await;
        }
    }

    /// Sweeps sessions in the background while the service lives.
    pub(crate) fn start_sweeper(self: &Arc<Self>) {
        let sessions: Weak<Sessions> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut timer = tokio::time::interval(SWEEP_EVERY);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                timer.tick().await;
                let Some(sessions) = sessions.upgrade() else { return };
                if let Err(e) = sessions.sweep_sessions().await {
                    tracing::warn!(error = %e, "cannot sweep sessions; will retry");
                }
            }
        });
    }
}
