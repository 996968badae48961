//! Who is calling the user API: the domain the request is for, and the authenticated user
//! (none for anonymous callers, who act with the domain's Public role).

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::header::{AUTHORIZATION, HOST};
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use super::error::{ApiResult, OrStrapi};
use crate::core::auth::TokenRefusal;
use crate::core::{Core, CoreError, Domain, User};
use crate::http::Rejection;

#[derive(Clone)]
pub struct UserCaller {
    pub domain: Arc<Domain>,
    pub user: Option<User>,
    pub ip: IpAddr,
}

impl UserCaller {
    /// The authenticated user, when its role grants `action`; `Forbidden access` otherwise.
    pub async fn require(&self, core: &Core, action: &str) -> ApiResult<&User> {
        let user = self.user.as_ref().ok_or(CoreError::Forbidden).or_strapi()?;
        if core.is_allowed(&self.domain, Some(user), action).await.or_strapi()? {
            Ok(user)
        } else {
            Err(CoreError::Forbidden).or_strapi()
        }
    }

    /// Succeeds when the caller (or the Public role, when anonymous) may perform `action`.
    pub async fn check(&self, core: &Core, action: &str) -> ApiResult<()> {
        if core.is_allowed(&self.domain, self.user.as_ref(), action).await.or_strapi()? {
            Ok(())
        } else {
            Err(CoreError::Forbidden).or_strapi()
        }
    }
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
    let mut parts = value.split_whitespace();
    let (scheme, token) = (parts.next()?, parts.next()?);
    (parts.next().is_none() && scheme.eq_ignore_ascii_case("bearer")).then_some(token)
}

pub fn token_refusal(refusal: TokenRefusal) -> Rejection {
    unauthorized(refusal.message())
}
