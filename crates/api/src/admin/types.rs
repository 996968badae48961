//! The object, input and enum types of the admin API shared by several categories.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};

use super::error::{AdminResult, OrAdmin};
use super::scalars::{DateTime, DomainName, UserRef};
use gatehouse_core::events::Event as CoreEvent;
use gatehouse_core::mail::EmailTemplate as CoreTemplate;
use gatehouse_core::{
    Core, Domain as CoreDomain, DomainStatus, Role as CoreRole, Settings, User as CoreUser, UserWithRole,
};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    Authorized,
    Unauthorized,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuthType {
    Admin,
    DomainAdmin,
    Unauthorized,
}

/// Who the request is authenticated as.
#[derive(SimpleObject)]
pub struct AdminAuthInfo {
    /// The domain admin's domain; null for the global admin.
    pub domain: Option<DomainName>,
    pub auth_status: AuthStatus,
    /// Null when not authenticated.
    pub auth_type: Option<AuthType>,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "DomainStatus")]
pub enum DomainState {
    Enabled,
    Disabled,
    /// Only in the answer of `removeDomain`.
    Deleted,
}

impl From<DomainStatus> for DomainState {
    fn from(status: DomainStatus) -> Self {
        match status {
            DomainStatus::Enabled => DomainState::Enabled,
            DomainStatus::Disabled => DomainState::Disabled,
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DomainType {
    /// Declared in the config file: cannot be removed or disabled through the API.
    Static,
    /// Added through the API.
    Dynamic,
}

/// A domain (a tenant).
#[derive(SimpleObject)]
pub struct Domain {
    pub domain: DomainName,
    pub status: DomainState,
    #[graphql(name = "type")]
    pub kind: DomainType,
    /// True when the domain admin (`admin@DOMAIN`) has a password, i.e. is enabled.
    pub admin_enabled: bool,
    pub created_at: DateTime,
}

impl From<CoreDomain> for Domain {
    fn from(d: CoreDomain) -> Self {
        Domain {
            domain: DomainName(d.name),
            status: d.status.into(),
            kind: if d.is_static { DomainType::Static } else { DomainType::Dynamic },
            admin_enabled: d.has_admin_password,
            created_at: DateTime(d.created_at),
        }
    }
}

/// A domain's settings (Strapi's advanced settings and Gatehouse's policies).
#[derive(SimpleObject)]
pub struct DomainSettings {
    pub allow_register: bool,
    pub email_confirmation: bool,
    pub unique_email: bool,
    /// The role type new users get.
    pub default_role: String,
    /// The front end's reset-password page, linked from the reset email.
    pub email_reset_password: Option<String>,
    pub email_confirmation_redirection: Option<String>,
    pub register_allowed_fields: Vec<String>,
    pub password_min_length: u32,
    pub password_max_bytes: u32,
    pub jwt_lifetime_seconds: i64,
    pub reset_token_lifetime_seconds: i64,
    /// Requests allowed per interval and per key on the rate-limited user operations; 0 = no limit.
    pub rate_limit_max: u32,
    pub rate_limit_interval_seconds: u32,
    /// LEGACY: one token per sign-in; REFRESH: sessions with short access tokens and rotating
    /// refresh tokens (Strapi's refresh mode).
    pub jwt_management: JwtManagement,
    /// Seconds an access token of a session is valid.
    pub access_token_lifespan: i64,
    /// Seconds a session lasts at most, refreshed or not.
    pub max_refresh_token_lifespan: i64,
    /// Seconds a session lasts without a refresh.
    pub idle_refresh_token_lifespan: i64,
    /// Seconds a rotated refresh token is still taken (a retried refresh) instead of ending its
    /// session as stolen; 0: never.
    pub refresh_reuse_grace_seconds: i64,
    /// The refresh token of a login or refresh goes out in an httpOnly cookie, not the body.
    pub refresh_http_only: bool,
    pub refresh_cookie_name: String,
    pub refresh_cookie_same_site: CookieSameSite,
    pub refresh_cookie_path: String,
    pub refresh_cookie_secure: bool,
    /// The cookie's Max-Age in seconds; null: a browser-session cookie.
    pub refresh_cookie_max_age: Option<i64>,
}

/// How a domain's users stay signed in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "gatehouse_core::JwtManagement")]
pub enum JwtManagement {
    Legacy,
    Refresh,
}

/// The refresh cookie's SameSite attribute.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "gatehouse_core::CookieSameSite")]
pub enum CookieSameSite {
    Strict,
    Lax,
    None,
}

impl From<Settings> for DomainSettings {
    fn from(s: Settings) -> Self {
        DomainSettings {
            allow_register: s.allow_register,
            email_confirmation: s.email_confirmation,
            unique_email: s.unique_email,
            default_role: s.default_role,
            email_reset_password: s.email_reset_password,
            email_confirmation_redirection: s.email_confirmation_redirection,
            register_allowed_fields: s.register_allowed_fields,
            password_min_length: s.password_min_length,
            password_max_bytes: s.password_max_bytes,
            jwt_lifetime_seconds: s.jwt_lifetime_seconds,
            reset_token_lifetime_seconds: s.reset_token_lifetime_seconds,
            rate_limit_max: s.rate_limit_max,
            rate_limit_interval_seconds: s.rate_limit_interval_seconds,
            jwt_management: s.jwt_management.into(),
            access_token_lifespan: s.access_token_lifespan,
            max_refresh_token_lifespan: s.max_refresh_token_lifespan,
            idle_refresh_token_lifespan: s.idle_refresh_token_lifespan,
            refresh_reuse_grace_seconds: s.refresh_reuse_grace_seconds,
            refresh_http_only: s.refresh_http_only,
            refresh_cookie_name: s.refresh_cookie_name,
            refresh_cookie_same_site: s.refresh_cookie_same_site.into(),
            refresh_cookie_path: s.refresh_cookie_path,
            refresh_cookie_secure: s.refresh_cookie_secure,
            refresh_cookie_max_age: s.refresh_cookie_max_age,
        }
    }
}

/// Changes to a domain's settings: omitted fields keep their value; `null` clears the
/// optional URLs.
#[derive(InputObject, Default)]
pub struct DomainSettingsInput {
    pub allow_register: Option<bool>,
    pub email_confirmation: Option<bool>,
    pub unique_email: Option<bool>,
    pub default_role: Option<String>,
    pub email_reset_password: MaybeUndefined<String>,
    pub email_confirmation_redirection: MaybeUndefined<String>,
    pub register_allowed_fields: Option<Vec<String>>,
    pub password_min_length: Option<u32>,
    pub password_max_bytes: Option<u32>,
    pub jwt_lifetime_seconds: Option<i64>,
    pub reset_token_lifetime_seconds: Option<i64>,
    pub rate_limit_max: Option<u32>,
    pub rate_limit_interval_seconds: Option<u32>,
    pub jwt_management: Option<JwtManagement>,
    pub access_token_lifespan: Option<i64>,
    pub max_refresh_token_lifespan: Option<i64>,
    pub idle_refresh_token_lifespan: Option<i64>,
    pub refresh_reuse_grace_seconds: Option<i64>,
    pub refresh_http_only: Option<bool>,
    pub refresh_cookie_name: Option<String>,
    pub refresh_cookie_same_site: Option<CookieSameSite>,
    pub refresh_cookie_path: Option<String>,
    pub refresh_cookie_secure: Option<bool>,
    /// `null`: a browser-session cookie.
    pub refresh_cookie_max_age: MaybeUndefined<i64>,
}

impl DomainSettingsInput {
    /// `settings` with these changes applied.
    pub fn apply(self, mut s: Settings) -> Settings {
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *target = value;
            }
        }
        fn set_nullable(target: &mut Option<String>, value: MaybeUndefined<String>) {
            match value {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => *target = None,
                MaybeUndefined::Value(v) => *target = Some(v),
            }
        }
        set(&mut s.allow_register, self.allow_register);
        set(&mut s.email_confirmation, self.email_confirmation);
        set(&mut s.unique_email, self.unique_email);
        set(&mut s.default_role, self.default_role);
        set_nullable(&mut s.email_reset_password, self.email_reset_password);
        set_nullable(&mut s.email_confirmation_redirection, self.email_confirmation_redirection);
        set(&mut s.register_allowed_fields, self.register_allowed_fields);
        set(&mut s.password_min_length, self.password_min_length);
        set(&mut s.password_max_bytes, self.password_max_bytes);
        set(&mut s.jwt_lifetime_seconds, self.jwt_lifetime_seconds);
        set(&mut s.reset_token_lifetime_seconds, self.reset_token_lifetime_seconds);
        set(&mut s.rate_limit_max, self.rate_limit_max);
        set(&mut s.rate_limit_interval_seconds, self.rate_limit_interval_seconds);
        set(&mut s.jwt_management, self.jwt_management.map(Into::into));
        set(&mut s.access_token_lifespan, self.access_token_lifespan);
        set(&mut s.max_refresh_token_lifespan, self.max_refresh_token_lifespan);
        set(&mut s.idle_refresh_token_lifespan, self.idle_refresh_token_lifespan);
        set(&mut s.refresh_reuse_grace_seconds, self.refresh_reuse_grace_seconds);
        set(&mut s.refresh_http_only, self.refresh_http_only);
        set(&mut s.refresh_cookie_name, self.refresh_cookie_name);
        set(&mut s.refresh_cookie_same_site, self.refresh_cookie_same_site.map(Into::into));
        set(&mut s.refresh_cookie_path, self.refresh_cookie_path);
        set(&mut s.refresh_cookie_secure, self.refresh_cookie_secure);
        match self.refresh_cookie_max_age {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => s.refresh_cookie_max_age = None,
            MaybeUndefined::Value(v) => s.refresh_cookie_max_age = Some(v),
        }
        s
    }
}

/// The kinds of audit events.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "gatehouse_core::events::EventKind")]
pub enum EventType {
    UserRegistered,
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserBlocked,
    UserUnblocked,
    LoginSucceeded,
    LoginFailed,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailConfirmed,
    TokenRevoked,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    DomainAdded,
    DomainRemoved,
    DomainEnabled,
    DomainDisabled,
    DomainPasswordSet,
    DomainPasswordDeleted,
    SettingsChanged,
    TokenIssued,
    SessionStarted,
    SessionEnded,
    RefreshTokenReused,
}

/// An entry of the audit log.
#[derive(SimpleObject)]
pub struct Event {
    /// Increasing; `listEvents(before:)` pages with it.
    pub id: i64,
    #[graphql(name = "type")]
    pub kind: EventType,
    pub at: DateTime,
    pub domain: Option<DomainName>,
    /// The user concerned, if any.
    pub user: Option<UserRef>,
    /// `global_admin`, `admin@DOMAIN`, `user@DOMAIN` or `anonymous`.
    pub actor: String,
    /// What else is known; never a password or a token.
    pub details: Json<serde_json::Value>,
}

impl From<CoreEvent> for Event {
    fn from(e: CoreEvent) -> Self {
        // The log's text, written from parsed names.
        let user = e.user.as_deref().and_then(|u| u.rsplit_once('@')).map(|(name, domain)| UserRef {
            username: name.to_string(),
            domain: gatehouse_core::DomainName::from_stored(domain),
        });
        Event {
            id: e.id,
            kind: e.kind.into(),
            at: DateTime(e.at),
            domain: e.domain.map(|d| DomainName(gatehouse_core::DomainName::from_stored(d))),
            user,
            actor: e.actor,
            details: Json(e.details),
        }
    }
}

/// A role of a domain, named by its `type`.
pub struct Role(pub CoreRole);

#[Object]
impl Role {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn document_id(&self) -> ID {
        ID(self.0.document_id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Unique in its domain: `public`, `authenticated`, `editor`.
    #[graphql(name = "type")]
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The actions the role grants.
    async fn permissions(&self, ctx: &Context<'_>) -> AdminResult<Vec<String>> {
        let actions = ctx.data_unchecked::<Arc<Core>>().roles().role_permissions(&self.0).await.or_admin()?;
        Ok(actions.into_iter().map(String::from).collect())
    }
    /// How many users have this role.
    async fn user_count(&self, ctx: &Context<'_>) -> AdminResult<i64> {
        ctx.data_unchecked::<Arc<Core>>().roles().role_user_count(&self.0).await.or_admin()
    }
}

/// A user of a domain.
pub struct User {
    pub user: CoreUser,
    pub domain: gatehouse_core::DomainName,
    /// Loaded lazily unless the operation that produced the user already had it.
    pub role: Option<Option<CoreRole>>,
}

impl User {
    pub fn new(user: CoreUser, domain: &gatehouse_core::DomainName) -> Self {
        Self { user, domain: domain.clone(), role: None }
    }
    pub fn with_role(user: UserWithRole, domain: &gatehouse_core::DomainName) -> Self {
        Self { user: user.user, domain: domain.clone(), role: Some(user.role) }
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.user.id.to_string())
    }
    async fn document_id(&self) -> ID {
        ID(self.user.document_id.clone())
    }
    /// `username@domain`.
    async fn user(&self) -> UserRef {
        UserRef::new(&self.user.username, &self.domain)
    }
    async fn username(&self) -> &str {
        &self.user.username
    }
    async fn email(&self) -> &str {
        &self.user.email
    }
    async fn confirmed(&self) -> bool {
        self.user.confirmed
    }
    async fn blocked(&self) -> bool {
        self.user.blocked
    }
    async fn role(&self, ctx: &Context<'_>) -> AdminResult<Option<Role>> {
        let role = match &self.role {
            Some(role) => role.clone(),
            None => ctx.data_unchecked::<Arc<Core>>().roles().role_of(&self.user).await.or_admin()?,
        };
        Ok(role.map(Role))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.user.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.user.updated_at)
    }
    async fn last_login_at(&self) -> Option<DateTime> {
        self.user.last_login_at.map(DateTime)
    }
}

/// The answer of the account mutations.
#[derive(SimpleObject)]
pub struct UserPayload {
    pub user: UserRef,
    pub message: String,
}

/// A JSON Web Token for the user API.
#[derive(SimpleObject)]
pub struct Token {
    pub jwt: String,
    pub expires_at: DateTime,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "gatehouse_core::mail::TemplateKind")]
pub enum EmailTemplateKind {
    /// Sent by `forgotPassword`, with the reset link.
    ResetPassword,
    /// Sent at registration when the domain asks for email confirmation.
    EmailConfirmation,
}

/// A domain's email template. `<%= URL %>`, `<%= TOKEN %>`, `<%= CODE %>`,
/// `<%= SERVER_URL %>`, `<%= USER.username %>` and `<%= USER.email %>` are replaced.
#[derive(SimpleObject)]
pub struct EmailTemplate {
    pub kind: EmailTemplateKind,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl From<CoreTemplate> for EmailTemplate {
    fn from(t: CoreTemplate) -> Self {
        EmailTemplate { kind: t.kind.into(), subject: t.subject, text: t.text, html: t.html }
    }
}
