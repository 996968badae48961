//! Strapi 5's refresh mode: `POST /auth/refresh`, `POST /auth/logout`, `GET /auth/sessions`
//! and `DELETE /auth/sessions/:id`. Each answers `404` once the caller may call it while the
//! domain uses legacy tokens, as Strapi does.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::call::{Call, Shared};
use super::error::RestError;
use super::{refresh_cookie, reply};
use crate::user::caller::auth_action;
use gatehouse_core::sessions::Logout;
use gatehouse_core::store::StoredSession;
use gatehouse_core::{Core, SessionId, format_millis};

/// Checks the route's action, then that the domain uses refresh tokens.
async fn require_refresh_mode(core: &Core, call: &Call, action: &str) -> Result<(), RestError> {
    call.require(core, &auth_action(action)).await?;
    Ok(core.sessions().require_refresh_mode(&call.caller.domain)?)
}

/// The refresh token of the request: its cookie first, else the body's `refreshToken`.
fn presented_token(call: &Call) -> Option<&str> {
    refresh_cookie::read(call.cookies.as_deref(), &call.caller.domain.settings)
        .or_else(|| call.body.get("refreshToken").and_then(Value::as_str))
}

fn cookie_mode(call: &Call) -> bool {
    call.caller.domain.settings.refresh_http_only || call.wants_refresh_cookie
}

/// `POST /auth/refresh`: `{jwt, refreshToken}`, or `{jwt}` and the cookie in cookie mode.
pub async fn refresh(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    // The refresh token is the credential; the caller's role (Public when anonymous, as
    // clients call it) must hold the action, as in Strapi.
    call.require(core, &auth_action("refresh")).await?;
    core.sessions().require_refresh_mode(&call.caller.domain)?;
    let settings = &call.caller.domain.settings;
    let token = presented_token(&call).ok_or_else(|| RestError::bad_request("Missing refresh token"))?;
    let refreshed = core.sessions().refresh_session(&call.caller.domain, token).await?;
    if cookie_mode(&call) {
        let mut response = reply::ok(json!({ "jwt": refreshed.jwt }));
        refresh_cookie::set(&mut response, settings, &refreshed.refresh_token);
        return Ok(response);
    }
    Ok(reply::ok(json!({ "jwt": refreshed.jwt, "refreshToken": refreshed.refresh_token })))
}

/// `POST /auth/logout`: ends, in Strapi's order of precedence, every session of the caller
/// (`scope: "all"`), those of one device (`deviceId`), the session of the presented refresh
/// token, the session of the bearer token, else every session. Always `{ok: true}`.
pub async fn logout(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    let user = call.caller.user.as_ref().ok_or_else(RestError::forbidden)?;
    require_refresh_mode(core, &call, "logout").await?;
    let domain = &call.caller.domain;
    let logout = Logout {
        all: call.body.get("scope").and_then(Value::as_str) == Some("all"),
        device_id: call.body.get("deviceId").and_then(Value::as_str),
        refresh_token: presented_token(&call),
        current: call.caller.session.as_ref(),
    };
    core.sessions().logout(domain, user, logout, call.caller.actor()).await?;
    let mut response = reply::ok(json!({ "ok": true }));
    if cookie_mode(&call) {
        refresh_cookie::clear(&mut response, &domain.settings);
    }
    Ok(response)
}

/// `GET /auth/sessions`: the caller's live sessions, the current one first.
pub async fn list(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    let user = call.caller.user.as_ref().ok_or_else(RestError::forbidden)?;
    require_refresh_mode(core, &call, "getSessions").await?;
    let sessions = own_sessions(core, &call.caller.domain, user.id, call.caller.session.as_ref()).await?;
    let current = call.caller.session.as_ref();
    let data: Vec<Value> = sessions.iter().map(|s| view(s, Some(&s.id) == current)).collect();
    Ok(reply::ok(json!({ "data": data })))
}

/// The user's live sessions, the current one first, then the most recently used.
pub async fn own_sessions(
    core: &Core,
    domain: &gatehouse_core::Domain,
    user: gatehouse_core::UserId,
    current: Option<&SessionId>,
) -> Result<Vec<StoredSession>, gatehouse_core::CoreError> {
    let mut sessions = core.sessions().user_sessions(domain, user).await?;
    // Stable: the others keep their order.
    sessions.sort_by_key(|s| Some(&s.id) != current);
    Ok(sessions)
}

/// `DELETE /auth/sessions/:id`: ends one of the caller's sessions; `404` for any other id.
pub async fn revoke(State(api): State<Shared>, Path(id): Path<String>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    let user = call.caller.user.as_ref().ok_or_else(RestError::forbidden)?;
    require_refresh_mode(core, &call, "revokeSession").await?;
    core.sessions().end_own_session(&call.caller.domain, user, &id, call.caller.actor()).await?;
    Ok(reply::ok(json!({ "data": {} })))
}

/// `{id, deviceId, deviceName?, current, loginAt, lastActiveAt}`, in Strapi's key order.
fn view(session: &StoredSession, current: bool) -> Value {
    let mut view = json!({ "id": session.id.as_str(), "deviceId": session.device_id });
    if let Some(name) = &session.device_name {
        view["deviceName"] = json!(name);
    }
    view["current"] = json!(current);
    view["loginAt"] = json!(format_millis(session.created_at));
    view["lastActiveAt"] = json!(format_millis(session.last_used_at));
    view
}
