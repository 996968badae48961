//! Who is calling the admin API (from the `Authorization: Basic` header, which
//! `gatehouse_http::basic_auth` reads), and the 401s of MongooseIM (`request_error`,
//! `wrong_credentials`, `no_permissions`), each with `WWW-Authenticate` so that browsers and
//! clients know to send credentials.

use async_graphql::Context;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
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
