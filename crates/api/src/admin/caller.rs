//! Who is calling the admin API, from the `Authorization: Basic` header, and the 401s of
//! MongooseIM (`request_error`, `wrong_credentials`, `no_permissions`), each with
//! `WWW-Authenticate` so that browsers and clients know to send credentials.

use async_graphql::Context;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use base64::Engine;
use serde_json::json;

use super::protection::{Clearance, Refusal};
use gatehouse_core::admin_auth::AdminLoginError;
use gatehouse_core::events::Actor;
use gatehouse_http::Rejection;

/// The caller of an admin request, handed to resolvers as request data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminCaller(pub Clearance);

impl AdminCaller {
    /// Who the audit log names. Only open fields run unauthenticated, and they change nothing.
    pub fn actor(&self) -> Actor {
        match &self.0 {
            Clearance::GlobalAdmin => Actor::GlobalAdmin,
            Clearance::DomainAdmin(domain) => Actor::DomainAdmin(domain.clone()),
            Clearance::Unauthenticated => Actor::Anonymous,
        }
    }
}

/// The caller of the request being resolved.
pub fn caller<'a>(ctx: &Context<'a>) -> &'a AdminCaller {
    ctx.data_unchecked::<AdminCaller>()
}

/// What the `Authorization` header holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Credentials {
    /// No header, or another scheme (a bearer token): unauthenticated.
    None,
    Basic {
        user: String,
        password: String,
    },
    Malformed,
}

pub fn credentials(headers: &HeaderMap) -> Credentials {
    let Some(value) = headers.get(AUTHORIZATION) else { return Credentials::None };
    let Ok(value) = value.to_str() else { return Credentials::Malformed };
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Credentials::None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    match decoded.as_deref().and_then(|text| text.split_once(':')) {
        Some((user, password)) => Credentials::Basic { user: user.to_string(), password: password.to_string() },
        None => Credentials::Malformed,
    }
}

const REALM: &str = "Basic realm=\"gatehouse\"";

fn unauthorized(error: serde_json::Value) -> Rejection {
    Rejection {
        status: StatusCode::UNAUTHORIZED,
        body: json!({ "errors": [error] }),
        headers: vec![(WWW_AUTHENTICATE, HeaderValue::from_static(REALM))],
        content_type: "application/json; charset=utf-8",
    }
}

pub fn malformed() -> Rejection {
    unauthorized(json!({
        "message": "Malformed authorization header. Please consult the relevant specification",
        "extensions": { "code": "request_error" },
    }))
}

pub fn login_refused(error: AdminLoginError) -> Rejection {
    match error {
        AdminLoginError::WrongCredentials => unauthorized(json!({
            "message": "The provided credentials are wrong",
            "extensions": { "code": "wrong_credentials" },
        })),
        AdminLoginError::TooManyFailures { retry_after } => {
            let mut rejection = Rejection::graphql(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_failed_logins",
                "Too many failed logins from this client, please try again later",
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                rejection.headers.push((RETRY_AFTER, value));
            }
            rejection
        }
        AdminLoginError::Unavailable => {
            Rejection::graphql(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "Storage is unavailable")
        }
    }
}

/// The answer to a request the protection check refused.
pub fn refused(refusal: Refusal) -> Rejection {
    match refusal {
        Refusal::Coercion { message } => Rejection::bad_request("input_coercion", message),
        Refusal::Denied { message, path, invalid_args, global } => {
            let mut extensions = json!({ "code": "no_permissions" });
            if global {
                extensions["type"] = json!("global");
            }
            if !invalid_args.is_empty() {
                extensions["invalid_args"] = json!(invalid_args);
            }
            unauthorized(json!({ "message": message, "extensions": extensions, "path": path }))
        }
    }
}
