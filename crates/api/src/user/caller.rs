//! Who is calling the user API: the domain the request is for, and the authenticated user
//! (none for anonymous callers, who act with the domain's Public role).

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::header::{AUTHORIZATION, HOST, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;
use tokio::sync::OnceCell;

use super::error::{ApiResult, OrStrapi};
use gatehouse_core::auth::TokenRefusal;
use gatehouse_core::events::Actor;
use gatehouse_core::sessions::SessionClient;
use gatehouse_core::{Action, Core, CoreError, Domain, SessionId, User, permissions};
use gatehouse_http::Rejection;
use gatehouse_http::basic_auth::{self, BasicAuth, Malformed};

#[derive(Clone)]
pub struct UserCaller {
    pub domain: Arc<Domain>,
    pub user: Option<User>,
    pub ip: IpAddr,
    /// The session of the caller's access token (none: anonymous, Basic, or a legacy token).
    pub session: Option<SessionId>,
    /// The request's `User-Agent`, which names the device of a session it starts.
    pub user_agent: Option<String>,
    /// The caller's permissions, read once per request when first needed: the role's list as
    /// the store's cache holds it (a role has tens of actions; scanning them costs less than
    /// building a set for the one or few checks of a request).
    permissions: Arc<OnceCell<Arc<[Action]>>>,
}

impl UserCaller {
    pub fn new(domain: Arc<Domain>, user: Option<User>, ip: IpAddr) -> Self {
        Self { domain, user, ip, session: None, user_agent: None, permissions: Arc::default() }
    }

    /// Where a sign-in by this caller comes from; `device_id` as the client named it.
    pub fn client(&self, device_id: Option<String>) -> SessionClient {
        SessionClient { device_id, user_agent: self.user_agent.clone(), address: Some(self.ip) }
    }

    /// Whether the caller (with the Public role when anonymous) may perform `action`.
    pub async fn allows(&self, core: &Core, action: &str) -> ApiResult<bool> {
        self.may(core, action).await.or_strapi()
    }

    /// [`UserCaller::allows`], for any API.
    pub async fn may(&self, core: &Core, action: &str) -> Result<bool, CoreError> {
        let actions =
            self.permissions.get_or_try_init(|| core.roles().permissions_of(&self.domain, self.user.as_ref())).await?;
        Ok(actions.iter().any(|granted| granted == action))
    }

    /// Whether the caller's role or the Public role grants `action`: a signed-in caller may do
    /// whatever an anonymous one may.
    pub async fn allows_or_public(&self, core: &Core, action: &str) -> ApiResult<bool> {
        self.may_attempt(core, action).await.or_strapi()
    }

    /// [`UserCaller::allows_or_public`], for any API.
    pub async fn may_attempt(&self, core: &Core, action: &str) -> Result<bool, CoreError> {
        Ok(self.may(core, action).await?
            || (self.user.is_some() && core.roles().is_allowed(&self.domain, None, action).await?))
    }

    /// The authenticated user, for the fields whose guard requires one.
    pub fn signed_in(&self) -> ApiResult<&User> {
        self.user.as_ref().ok_or(CoreError::Forbidden).or_strapi()
    }

    /// Who the caller is, for the audit log.
    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(user) => Actor::User(format!("{}@{}", user.username, self.domain.name)),
            None => Actor::Anonymous,
        }
    }
}

/// Why a request's credentials were refused, before anything ran; each API answers it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Bad, expired or revoked token or credentials (401), or too many failed ones (429).
    Credentials(TokenRefusal),
    /// The listener's default domain does not exist.
    UnknownDomain,
    /// The domain could not be looked up.
    Storage,
}

/// The caller of a request to a user listener: its domain (the one its `Host` names, else
/// `default_domain`; Basic credentials name theirs) and its user (Basic `user@domain:password`
/// or a bearer JWT; none: anonymous).
pub async fn identify(
    core: &Core,
    default_domain: &str,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<UserCaller, Refusal> {
    let storage = |e: CoreError| {
        tracing::error!(error = %e, "domain lookup failed");
        Refusal::Storage
    };
    let mut by_host = None;
    if let Some(host) = host_name(headers) {
        by_host = core.domains().cached_domain(&host).await.map_err(storage)?;
    }
    if let Some(credentials) = basic_login(headers) {
        let invalid = || Refusal::Credentials(TokenRefusal::Invalid);
        let credentials = credentials.map_err(|_| invalid())?;
        // Basic credentials name their domain; a Host naming another domain is a mismatch.
        let domain = match by_host {
            Some(domain) if domain.name != credentials.domain => return Err(invalid()),
            Some(domain) => domain,
            None => core.domains().cached_domain(&credentials.domain).await.map_err(storage)?.ok_or_else(invalid)?,
        };
        let user = core
            .auth()
            .authenticate_password(&domain, &credentials.username, &credentials.password, ip)
            .await
            .map_err(Refusal::Credentials)?;
        return Ok(UserCaller::new(domain, Some(user), ip));
    }
    let domain = match by_host {
        Some(domain) => domain,
        None => core.domains().cached_domain(default_domain).await.map_err(storage)?.ok_or(Refusal::UnknownDomain)?,
    };
    let (user, session) = match bearer_token(headers) {
        Some(token) => {
            let (user, session) =
                core.auth().authenticate_access(&domain, token).await.map_err(Refusal::Credentials)?;
            (Some(user), session)
        }
        None => (None, None),
    };
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    Ok(UserCaller { session, user_agent, ..UserCaller::new(domain, user, ip) })
}

/// The auth action a public operation needs (Strapi's action names).
pub fn auth_action(name: &str) -> String {
    format!("{}auth.{name}", permissions::PREFIX)
}

/// Strapi's REST-style 401 body, sent before GraphQL runs.
pub fn unauthorized(message: &str) -> Rejection {
    Rejection {
        status: StatusCode::UNAUTHORIZED,
        body: json!({
            "data": null,
            "error": { "status": 401, "name": "UnauthorizedError", "message": message, "details": {} }
        }),
        headers: Vec::new(),
        content_type: "application/json; charset=utf-8",
    }
}

/// The `Host` header without its port, lower-cased.
pub fn host_name(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let name = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]"))?
    } else {
        host.split(':').next()?.to_string()
    };
    Some(name.to_lowercase())
}

/// The bearer token of the request, if it has one (`Bearer <token>`, any case).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let mut parts = value.split_ascii_whitespace();
    let (scheme, token) = (parts.next()?, parts.next()?);
    (parts.next().is_none() && scheme.eq_ignore_ascii_case("bearer")).then_some(token)
}

/// A Basic login on the user API: `username@domain:password`.
pub struct BasicLogin {
    pub username: String,
    pub domain: String,
    pub password: String,
}

/// The Basic login of the request, when it has one; `Err` when the header says Basic but is
/// malformed.
pub fn basic_login(headers: &HeaderMap) -> Option<Result<BasicLogin, ()>> {
    match basic_auth::read(headers) {
        BasicAuth::Absent => None,
        // Unreadable as text, or no credentials after the scheme: the user API has always taken
        // these for no Basic header at all (so a bearer token or none is looked for instead).
        BasicAuth::Malformed(Malformed::NotText | Malformed::Empty) => None,
        BasicAuth::Malformed(_) => Some(Err(())),
        BasicAuth::Credentials(credentials) => Some(
            credentials
                .name_and_domain()
                .map(|(username, domain)| BasicLogin {
                    username: username.to_string(),
                    domain: domain.to_lowercase(),
                    password: credentials.password.clone(),
                })
                .ok_or(()),
        ),
    }
}

pub fn token_refusal(refusal: TokenRefusal) -> Rejection {
    match refusal {
        TokenRefusal::RateLimited => Rejection {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: json!({
                "data": null,
                "error": { "status": 429, "name": "RateLimitError", "message": refusal.message(), "details": {} }
            }),
            headers: Vec::new(),
            content_type: "application/json; charset=utf-8",
        },
        _ => unauthorized(refusal.message()),
    }
}
