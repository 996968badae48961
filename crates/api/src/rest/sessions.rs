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
use gatehouse_core::sessions::EndReason;
use gatehouse_core::store::{SessionScope, StoredSession};
use gatehouse_core::{Core, JwtManagement, SessionId, format_millis};

/// Checks the route's action, then that the domain uses refresh tokens.
async fn require_refresh_mode(core: &Core, call: &Call, action: &str) -> Result<(), RestError> {
    call.require(core, &auth_action(action)).await?;
    if call.caller.domain.settings.jwt_management == JwtManagement::Legacy {
        return Err(RestError::not_found("Not Found"));
    }
    Ok(())
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
    let settings = &call.caller.domain.settings;
    if settings.jwt_management == JwtManagement::Legacy {
        return Err(RestError::not_found("Not Found"));
    }
    let token = presented_token(&call).ok_or_else(|| RestError::bad_request("Missing refresh token"))?;
    let refreshed = core.refresh_session(&call.caller.domain, token).await?;
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
    let device = call.body.get("deviceId").and_then(Value::as_str).filter(|id| !id.is_empty());
    let of_token = match presented_token(&call) {
        Some(token) => core.session_of_refresh_token(domain, token).await?.filter(|s| s.user_id == user.id),
        None => None,
    };
    let scope = if call.body.get("scope").and_then(Value::as_str) == Some("all") {
        SessionScope::User(user.id)
    } else if let Some(device) = device {
        SessionScope::UserDevice(user.id, device)
    } else if let Some(session) = &of_token {
        SessionScope::OneOfUser(user.id, &session.id)
    } else if let Some(session) = &call.caller.session {
        SessionScope::OneOfUser(user.id, session)
    } else {
        SessionScope::User(user.id)
    };
    core.end_sessions(domain, Some(user), scope, EndReason::Logout, call.caller.actor()).await?;
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
    let mut sessions = core.user_sessions(&call.caller.domain, user.id).await?;
    let current = call.caller.session.as_ref();
    // Stable: the rest keep their order, the most recently used first.
    sessions.sort_by_key(|s| Some(&s.id) != current);
    let data: Vec<Value> = sessions.iter().map(|s| view(s, Some(&s.id) == current)).collect();
    Ok(reply::ok(json!({ "data": data })))
}

/// `DELETE /auth/sessions/:id`: ends one of the caller's sessions; `404` for any other id.
pub async fn revoke(State(api): State<Shared>, Path(id): Path<String>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    let user = call.caller.user.as_ref().ok_or_else(RestError::forbidden)?;
    require_refresh_mode(core, &call, "revokeSession").await?;
    let not_found = || RestError::not_found("Session not found");
    let id = SessionId::parse(&id).map_err(|_| not_found())?;
    let ended = core
        .end_sessions(
            &call.caller.domain,
            Some(user),
            SessionScope::OneOfUser(user.id, &id),
            EndReason::Logout,
            call.caller.actor(),
        )
        .await?;
    if ended.is_empty() {
        return Err(not_found());
    }
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
