//! The end-user flows: register, login, token authentication, password change; the email
//! flows are in `recovery`, HTTP Basic credentials in `basic`.

mod basic;
pub mod policy;
mod recovery;

use std::net::IpAddr;
use std::sync::Arc;

use basic::CredentialCache;

use super::error::{CoreError, CoreResult, Entity, StoreError, UniqueKey};
use super::events::{Actor, Audit, EventKind, NewEvent};
use super::mail::Emails;
use super::model::{Domain, DomainStatus, NewUser, User, UserWithRole, now_millis};
use super::password::{PasswordHasher, Verdict};
use super::ratelimit::{Limited, RateLimits};
use super::roles::Roles;
use super::sessions::{EndReason, SessionClient, Sessions, SignedIn};
use super::store::{SessionScope, Store};
use super::token::TokenService;
use super::types::{Email, SessionId, UserId, Username};
use super::validation::{FieldError, FieldErrors};
use tracing::instrument;

/// A successful login, registration or password change.
#[derive(Debug)]
pub struct Session {
    /// Absent when the account still has to confirm its email.
    pub jwt: Option<String>,
    /// The new session's refresh token, when the domain uses them.
    pub refresh_token: Option<String>,
    pub user: UserWithRole,
}

impl Session {
    pub(crate) fn signed_in(signed_in: SignedIn, user: UserWithRole) -> Self {
        Session { jwt: Some(signed_in.jwt), refresh_token: signed_in.refresh_token, user }
    }
}

/// A registration as the client sent it: the core parses each field where its rule is checked
/// (after the domain's own refusals), as in Strapi.
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    /// Only accepted when the domain's `register_allowed_fields` lists `confirmed`.
    pub confirmed: Option<bool>,
    /// Other attributes the request named, in its order (`confirmed` among them or not):
    /// refused unless `register_allowed_fields` lists them. Users have no custom attributes,
    /// so an allowed one changes nothing.
    pub other_fields: Vec<String>,
}

/// A login attempt, counted against the rate limit, with the user its identifier names.
#[derive(Debug)]
pub struct LoginAttempt {
    identifier: String,
    found: Option<User>,
}

/// Why a presented token was refused; each maps to an HTTP 401 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Malformed, expired, revoked or foreign-domain.
    Invalid,
    /// The owner was deleted, is blocked, or has not confirmed its email (Strapi's answer
    /// for each, even when blocking also revoked the token).
    OwnerNotAllowed,
    DomainDisabled,
    /// Too many failed attempts with Basic credentials.
    RateLimited,
}

impl TokenRefusal {
    pub fn message(self) -> &'static str {
        match self {
            TokenRefusal::Invalid => "Missing or invalid credentials",
            TokenRefusal::OwnerNotAllowed => "Invalid credentials",
            TokenRefusal::DomainDisabled => "This domain is disabled",
            TokenRefusal::RateLimited => "Too many requests, please try again later.",
        }
    }
}

/// The end user's own flows: registration, login, the checks of its tokens and credentials,
/// its password, and the email flows.
pub struct Auth {
    store: Arc<dyn Store>,
    passwords: Arc<PasswordHasher>,
    tokens: Arc<TokenService>,
    audit: Arc<Audit>,
    sessions: Arc<Sessions>,
    roles: Arc<Roles>,
    emails: Arc<Emails>,
    rate_limits: Arc<RateLimits>,
    credentials: CredentialCache,
}

/// What [`Auth`] works with.
pub(crate) struct AuthParts {
    pub store: Arc<dyn Store>,
    pub passwords: Arc<PasswordHasher>,
    pub tokens: Arc<TokenService>,
    pub audit: Arc<Audit>,
    pub sessions: Arc<Sessions>,
    pub roles: Arc<Roles>,
    pub emails: Arc<Emails>,
    pub rate_limits: Arc<RateLimits>,
}

impl Auth {
    pub(crate) fn new(parts: AuthParts) -> Self {
        let AuthParts { store, passwords, tokens, audit, sessions, roles, emails, rate_limits } = parts;
        Self {
            store,
            passwords,
            tokens,
            audit,
            sessions,
            roles,
            emails,
            rate_limits,
            credentials: CredentialCache::default(),
        }
    }

    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn register(&self, domain: &Domain, input: Registration, client: &SessionClient) -> CoreResult<Session> {
        ensure_enabled(domain)?;
        let settings = &domain.settings;
        if !settings.allow_register {
            return Err(CoreError::refused("Register action is currently disabled"));
        }
        let mut given: Vec<&str> = input.other_fields.iter().map(String::as_str).collect();
        if input.confirmed.is_some() && !given.contains(&"confirmed") {
            given.push("confirmed");
        }
        let extra: Vec<&str> =
            given.into_iter().filter(|name| !settings.register_allowed_fields.iter().any(|f| f == name)).collect();
        if !extra.is_empty() {
            return Err(CoreError::invalid(format!("Invalid parameters: {}", extra.join(", "))));
        }
        // Strapi checks the body first, then the user model's rules; each step reports every
        // failing field at once.
        let mut errors = FieldErrors::default();
        errors.add(validate_email(&input.email))?;
        if input.username.is_empty() {
            errors.push(FieldError::new("username", "username is a required field", &input.username));
        }
        errors.add(policy::check_password_given(domain, "password", &input.password))?;
        errors.finish()?;
        let mut errors = FieldErrors::default();
        errors.add(crate::users::validate_username(&input.username))?;
        errors.add(policy::check_password_length(domain, "password", &input.password))?;
        errors.finish()?;
        let email = Email::parse(&input.email)?;
        let username = Username::parse(&input.username)?;
        let role = self
            .store
            .role_by_kind(domain.id, &settings.default_role)
            .await?
            .ok_or_else(|| CoreError::refused("Impossible to find the default role"))?;
        // Strapi's conflict rule: the new username or email may be neither an existing
        // username nor an existing email.
        let taken = self.store.user_exists(domain.id, &username, &email).await?
            || self.store.user_exists(domain.id, &email, &username.to_lowercase()).await?;
        if taken {
            return Err(CoreError::refused("Email or Username are already taken"));
        }
        let hash = self.passwords.hash(&input.password).await?;
        let new_user = NewUser {
            domain_id: domain.id,
            username,
            email,
            password_hash: Some(hash),
            confirmed: input.confirmed.unwrap_or(!settings.email_confirmation),
            blocked: false,
            role_id: Some(role.id),
        };
        let user = match self.store.insert_user(&new_user).await {
            Err(StoreError::Duplicate(UniqueKey::Username)) => {
                return Err(CoreError::refused("Email or Username are already taken"));
            }
            other => other?,
        };
        self.audit
            .record(
                NewEvent::new(EventKind::UserRegistered, &domain.name, Actor::Anonymous)
                    .user(&user.username, &domain.name)
                    .details(serde_json::json!({ "email": user.email, "confirmed": user.confirmed })),
            )
            .await;
        if settings.email_confirmation && !user.confirmed {
            // The user is kept when the mail cannot be sent, as in Strapi.
            self.send_confirmation(domain, &user).await?;
            return Ok(Session { jwt: None, refresh_token: None, user: UserWithRole { user, role: Some(role) } });
        }
        // Strapi's register takes no device id: the session gets a random one.
        let signed_in = self.sessions.sign_in(domain, &user, client, false).await?;
        Ok(Session::signed_in(signed_in, UserWithRole { user, role: Some(role) }))
    }

    /// Counts a login attempt from `ip` against the domain's rate limit (refused past it) and
    /// finds the user `identifier` names, for [`Auth::login`]: where the windows are kept in
    /// the database (PostgreSQL), both in one statement. Called first, before the request's own
    /// checks, as every limited operation is counted.
    pub async fn login_attempt(&self, domain: &Domain, ip: IpAddr, identifier: &str) -> CoreResult<LoginAttempt> {
        let found = if identifier.is_empty() {
            // No one is named by nothing: `login` refuses it before any lookup.
            self.rate_limits.check_rate_limit(domain, Limited::Login, ip, identifier).await?;
            None
        } else {
            self.count_and_find(domain, ip, identifier).await?
        };
        Ok(LoginAttempt { identifier: identifier.to_string(), found })
    }

    async fn count_and_find(&self, domain: &Domain, ip: IpAddr, identifier: &str) -> CoreResult<Option<User>> {
        let email = identifier.to_lowercase();
        if let Some(hit) = self.rate_limits.shared_hit(domain, Limited::Login, ip, identifier) {
            match self.store.user_by_login_counted(domain.id, identifier, &email, &hit.key, hit.interval_ms()).await {
                Ok((found, window)) => return hit.judge(window).map(|()| found),
                // Then the parts one at a time, as below: the limit falls back to this node's
                // memory if the database still does not answer, and the lookup fails if it fails.
                Err(e) => tracing::warn!(error = %e, "a login's counted lookup failed; trying its parts one at a time"),
            }
        }
        self.rate_limits.check_rate_limit(domain, Limited::Login, ip, identifier).await?;
        Ok(self.store.user_by_login(domain.id, identifier, &email).await?)
    }

    /// Signs in with the password of the user `attempt` names (see [`Auth::login_attempt`]).
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn login(
        &self,
        domain: &Domain,
        attempt: LoginAttempt,
        password: &str,
        client: &SessionClient,
    ) -> CoreResult<Session> {
        ensure_enabled(domain)?;
        let LoginAttempt { identifier, found } = attempt;
        let identifier = identifier.as_str();
        let mut errors = FieldErrors::default();
        if identifier.is_empty() {
            errors.push(FieldError::new("identifier", "identifier is a required field", identifier));
        }
        if password.is_empty() {
            errors.push(FieldError::secret("password", "password is a required field"));
        }
        errors.finish()?;
        // Unknown user, no password, wrong password: the same answer after the same work.
        let (user, verdict) = match found {
            Some(user) if user.password_hash.is_some() => {
                let verdict = self.passwords.verify(password, user.password_hash.as_deref().unwrap_or("")).await?;
                (Some(user), verdict)
            }
            _ => (None, self.passwords.verify_dummy(password).await?),
        };
        let failed = |reason: &str, user: Option<&User>| {
            let mut event = NewEvent::new(EventKind::LoginFailed, &domain.name, Actor::Anonymous)
                .details(serde_json::json!({ "identifier": identifier, "reason": reason }));
            if let Some(user) = user {
                event = event.user(&user.username, &domain.name);
            }
            event
        };
        let user = match (user, verdict) {
            (Some(user), Verdict::Correct | Verdict::CorrectNeedsRehash) => user,
            (user, _) => {
                self.audit.record(failed("invalid_credentials", user.as_ref())).await;
                return Err(CoreError::InvalidCredentials);
            }
        };
        if domain.settings.email_confirmation && !user.confirmed {
            self.audit.record(failed("not_confirmed", Some(&user))).await;
            return Err(CoreError::refused("Your account email is not confirmed"));
        }
        if user.blocked {
            self.audit.record(failed("blocked", Some(&user))).await;
            return Err(CoreError::refused("Your account has been blocked by an administrator"));
        }
        let now = now_millis();
        if verdict == Verdict::CorrectNeedsRehash {
            let hash = self.passwords.hash(password).await?;
            self.store.set_password_hash(domain.id, user.id, &hash, false, now).await?;
        }
        self.audit
            .record_login(
                domain.id,
                user.id,
                NewEvent::new(
                    EventKind::LoginSucceeded,
                    &domain.name,
                    Actor::User(format!("{}@{}", user.username, domain.name)),
                )
                .user(&user.username, &domain.name),
            )
            .await?;
        let signed_in = self.sessions.sign_in(domain, &user, client, true).await?;
        let role = self.roles.role_of(&user).await?;
        Ok(Session::signed_in(signed_in, UserWithRole { user, role }))
    }

    /// The user a bearer token speaks for, checked against the current state of the account.
    pub async fn authenticate_token(&self, domain: &Domain, jwt: &str) -> Result<User, TokenRefusal> {
        self.authenticate_access(domain, jwt).await.map(|(user, _)| user)
    }

    /// [`Auth::authenticate_token`], with the session the token belongs to (none for a legacy
    /// token). A session's token is refused once the session has ended.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(Debug, level = "debug"))]
    pub async fn authenticate_access(
        &self,
        domain: &Domain,
        jwt: &str,
    ) -> Result<(User, Option<SessionId>), TokenRefusal> {
        let claims = self.tokens.verify(jwt).ok_or(TokenRefusal::Invalid)?;
        if claims.domain != domain.name {
            return Err(TokenRefusal::Invalid);
        }
        if domain.status == DomainStatus::Disabled {
            return Err(TokenRefusal::DomainDisabled);
        }
        let user_id = UserId::new(claims.id);
        let user = match self.store.token_owner(domain.id, user_id).await {
            Ok(Some(user)) => user,
            Ok(None) => return Err(TokenRefusal::OwnerNotAllowed),
            Err(e) => {
                tracing::error!(error = %e, "token owner lookup failed");
                return Err(TokenRefusal::Invalid);
            }
        };
        check_owner(domain, &user)?;
        if user.token_version != claims.ver {
            return Err(TokenRefusal::Invalid);
        }
        let Some(session) = claims.sid.as_deref() else { return Ok((user, None)) };
        let session = SessionId::parse(session).map_err(|_| TokenRefusal::Invalid)?;
        match self.sessions.session_is_live(domain, &session, user.id).await {
            Ok(true) => Ok((user, Some(session))),
            Ok(false) => Err(TokenRefusal::Invalid),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                Err(TokenRefusal::Invalid)
            }
        }
    }

    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn change_password(
        &self,
        domain: &Domain,
        user: &User,
        current: &str,
        password: &str,
        confirmation: &str,
        client: &SessionClient,
    ) -> CoreResult<Session> {
        ensure_enabled(domain)?;
        let mut errors = policy::check_new_password(domain, password, confirmation)?;
        if current.is_empty() {
            errors.push(FieldError::secret("currentPassword", "currentPassword is a required field"));
        }
        errors.finish()?;
        let stored = user.password_hash.as_deref().unwrap_or("");
        if self.passwords.verify(current, stored).await? == Verdict::Wrong {
            return Err(CoreError::invalid("The provided current password is invalid"));
        }
        if current == password {
            return Err(CoreError::invalid("Your new password must be different than your current password"));
        }
        // The user model's rule comes last, as in Strapi.
        policy::check_password_length(domain, "password", password)?;
        let hash = self.passwords.hash(password).await?;
        self.store.set_password_hash(domain.id, user.id, &hash, true, now_millis()).await?;
        let user = self
            .store
            .user_by_id(domain.id, user.id)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::User, "User not found"))?;
        let me = Actor::User(format!("{}@{}", user.username, domain.name));
        self.audit
            .record(
                NewEvent::new(EventKind::PasswordChanged, &domain.name, me.clone()).user(&user.username, &domain.name),
            )
            .await;
        // Every session of the user ends (ASVS 7.4.2); the caller gets a new one.
        self.sessions
            .end_sessions(domain, Some(&user), SessionScope::User(user.id), EndReason::PasswordChanged, me)
            .await?;
        let signed_in = self.sessions.sign_in(domain, &user, client, false).await?;
        let role = self.roles.role_of(&user).await?;
        Ok(Session::signed_in(signed_in, UserWithRole { user, role }))
    }
}

/// A blocked owner, or an unconfirmed one while the domain asks for confirmation, is refused.
fn check_owner(domain: &Domain, user: &User) -> Result<(), TokenRefusal> {
    if user.blocked || (domain.settings.email_confirmation && !user.confirmed) {
        return Err(TokenRefusal::OwnerNotAllowed);
    }
    Ok(())
}

pub(crate) fn ensure_enabled(domain: &Domain) -> CoreResult<()> {
    match domain.status {
        DomainStatus::Enabled => Ok(()),
        DomainStatus::Disabled => Err(CoreError::DomainDisabled),
    }
}

/// The email of an input, as a field error of the input: required, then [`Email::parse`]'s rules.
pub fn validate_email(given: &str) -> CoreResult<()> {
    if given.trim().is_empty() {
        return Err(FieldError::new("email", "email is a required field", given).into());
    }
    Email::parse(given).map(drop).map_err(|e| FieldError::given("email", e.to_string(), given).into())
}
