//! One REST request, prepared in Strapi's order: the body is read (a malformed or oversized
//! one is refused first), then the caller is identified exactly as on the GraphQL path, and the
//! route's action is checked before the route does anything.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::Method;
use axum::http::header::COOKIE;
use serde_json::{Map, Value};

use super::error::RestError;
use super::qs::Qs;
use crate::user::caller::{UserCaller, identify};
use gatehouse_core::{Core, User};

/// What every route needs: the core, and the listener's settings.
pub struct RestState {
    pub core: Arc<Core>,
    /// Served when the `Host` header names no known domain.
    pub default_domain: String,
    /// The listener's `[limits] body_bytes`.
    pub body_bytes: usize,
    /// The listener's `[limits] response_records`: the most users one list answer carries.
    pub response_records: usize,
}

pub type Shared = Arc<RestState>;

/// A request whose body is read and whose caller is known.
pub struct Call {
    pub caller: UserCaller,
    /// `{}` when there is none.
    pub body: Value,
    pub query: Qs,
    /// The request's `Cookie` header, where a refresh token may come in.
    pub cookies: Option<String>,
    /// `x-strapi-refresh-cookie: httpOnly`: the refresh token goes out in a cookie, whatever
    /// the domain's setting.
    pub wants_refresh_cookie: bool,
}

impl FromRequest<Shared> for Call {
    type Rejection = RestError;

    async fn from_request(request: Request, state: &Shared) -> Result<Self, RestError> {
        let (parts, body) = request.into_parts();
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let body = if matches!(parts.method, Method::POST | Method::PUT) {
            super::body::read(&parts.headers, body, state.body_bytes).await?
        } else {
            Value::Object(Map::new())
        };
        let query = Qs::parse(parts.uri.query().unwrap_or(""));
        let caller = identify(&state.core, &state.default_domain, &parts.headers, ip).await?;
        let cookies = parts.headers.get(COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let wants_refresh_cookie = parts
            .headers
            .get("x-strapi-refresh-cookie")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("httponly"));
        Ok(Call { caller, body, query, cookies, wants_refresh_cookie })
    }
}

impl Call {
    /// The route's action must be granted to the caller's role (the Public role when anonymous).
    pub async fn require(&self, core: &Core, action: &str) -> Result<(), RestError> {
        if self.caller.may(core, action).await? { Ok(()) } else { Err(RestError::forbidden()) }
    }

    /// For the flows anyone may attempt (login, register, the mail flows): the action in the
    /// caller's role or in the Public role, as on the GraphQL path.
    pub async fn require_attempt(&self, core: &Core, action: &str) -> Result<(), RestError> {
        if self.caller.may_attempt(core, action).await? { Ok(()) } else { Err(RestError::forbidden()) }
    }

    /// A signed-in caller whose role grants `action`.
    pub async fn require_user(&self, core: &Core, action: &str) -> Result<&User, RestError> {
        let user = self.caller.user.as_ref().ok_or_else(RestError::forbidden)?;
        self.require(core, action).await?;
        Ok(user)
    }

    /// Whether the caller may see roles: a populated role is shown only then.
    pub async fn may_read_roles(&self, core: &Core) -> Result<bool, RestError> {
        Ok(self.caller.may(core, gatehouse_core::permissions::ROLE_FIND).await?)
    }
}
