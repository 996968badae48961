//! `/auth/...`: login, registration, the password and email-confirmation flows, over the same
//! core operations, permission checks and rate-limit buckets as the GraphQL mutations.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::body::{Fields, Given};
use super::call::{Call, Shared};
use super::error::RestError;
use super::{refresh_cookie, reply, views};
use crate::user::caller::auth_action;
use gatehouse_core::auth::{Registration, Session};
use gatehouse_core::permissions;
use gatehouse_core::ratelimit::Limited;

/// `{jwt, user}`, `{jwt, refreshToken, user}` when the domain uses refresh tokens, or
/// `{user}` when the account must still confirm its email.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionAnswer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    jwt: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    user: views::UserView<'a>,
}

fn session(session: &Session) -> SessionAnswer<'_> {
    let jwt = session.jwt.as_deref();
    // An account that must still confirm its email gets no tokens: `{user}` alone.
    let refresh_token = jwt.and(session.refresh_token.as_deref());
    SessionAnswer { jwt, refresh_token, user: views::plain_user(&session.user.user) }
}

/// A login's answer: in cookie mode the refresh token goes out in the cookie, not the body.
fn login_answer(call: &Call, signed_in: Session) -> Response {
    let settings = &call.caller.domain.settings;
    match signed_in.refresh_token.as_deref() {
        Some(token) if settings.refresh_http_only || call.wants_refresh_cookie => {
            // In the cookie, not the body.
            let body = SessionAnswer { refresh_token: None, ..session(&signed_in) };
            let mut response = reply::ok(body);
            refresh_cookie::set(&mut response, settings, token);
            response
        }
        _ => reply::ok(session(&signed_in)),
    }
}

/// A body field as text, for a rate-limit key (any other value counts as none).
fn key<'a>(body: &'a Value, name: &str) -> &'a str {
    body.get(name).and_then(Value::as_str).unwrap_or("")
}

/// `POST /auth/local`. Other keys are ignored, as Strapi ignores them; `deviceId` names the
/// session's device.
pub async fn login(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let (core, domain, ip) = (&api.core, &call.caller.domain, call.caller.ip);
    call.require_attempt(core, &auth_action("callback")).await?;
    // The identifier counted is the one signed in with: `required_text` gives the same text,
    // or refuses a body whose identifier is not text.
    let attempt = core.auth().login_attempt(domain, ip, key(&call.body, "identifier")).await?;
    let mut fields = Fields::of(&call.body)?;
    fields.required_text("identifier");
    let password = fields.required_text("password");
    let given = fields.finish()?;
    let device_id = call.body.get("deviceId").and_then(Value::as_str).filter(|id| !id.is_empty());
    let client = call.caller.client(device_id.map(str::to_string));
    let signed_in = core.auth().login(domain, attempt, &password, &client).await.map_err(|e| given.answer(e))?;
    Ok(login_answer(&call, signed_in))
}

/// `POST /auth/local/register`. Any key beyond `username`, `email`, `password` and the
/// domain's `register_allowed_fields` is refused (`Invalid parameters: ...`).
pub async fn register(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let (core, domain, ip) = (&api.core, &call.caller.domain, call.caller.ip);
    call.require_attempt(core, &auth_action("register")).await?;
    core.rate_limits().check_rate_limit(domain, Limited::Register, ip, key(&call.body, "email")).await?;
    let mut fields = Fields::of(&call.body)?;
    let other_fields = fields.unknown(&["username", "email", "password"]);
    // Read in yup's order, so that type problems are listed as Strapi lists them.
    let registration = Registration {
        email: fields.required_text("email"),
        username: fields.required_text("username"),
        password: fields.required_text("password"),
        confirmed: fields.flag("confirmed"),
        other_fields,
    };
    let given = fields.finish()?;
    let registered =
        core.auth().register(domain, registration, &call.caller.client(None)).await.map_err(|e| given.answer(e))?;
    Ok(reply::ok(session(&registered)))
}

/// `POST /auth/forgot-password`: `{ok: true}` whether or not the address is known.
pub async fn forgot_password(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let (core, domain, ip) = (&api.core, &call.caller.domain, call.caller.ip);
    call.require_attempt(core, &auth_action("forgotPassword")).await?;
    core.rate_limits().check_rate_limit(domain, Limited::ForgotPassword, ip, key(&call.body, "email")).await?;
    let mut fields = Fields::of(&call.body)?;
    fields.refuse_unknown(&["email"])?;
    let email = fields.required_text("email");
    let given = fields.finish()?;
    core.auth().forgot_password(domain, &email).await.map_err(|e| given.answer(e))?;
    Ok(reply::ok(json!({ "ok": true })))
}

/// `POST /auth/reset-password`: a new password with the code of a reset mail; signs in.
pub async fn reset_password(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let (core, domain, ip) = (&api.core, &call.caller.domain, call.caller.ip);
    call.require_attempt(core, &auth_action("resetPassword")).await?;
    // Per client only: the code is what is being guessed.
    core.rate_limits().check_rate_limit(domain, Limited::ResetPassword, ip, "").await?;
    let mut fields = Fields::of(&call.body)?;
    fields.refuse_unknown(&["code", "password", "passwordConfirmation"])?;
    let code = fields.required_text("code");
    let password = fields.required_text("password");
    let confirmation = fields.required_text("passwordConfirmation");
    let given = fields.finish()?;
    let client = call.caller.client(None);
    let signed_in = core
        .auth()
        .reset_password(domain, &code, &password, &confirmation, &client)
        .await
        .map_err(|e| given.answer(e))?;
    Ok(reply::ok(session(&signed_in)))
}

/// `POST /auth/change-password`: the signed-in user's, confirmed with the current one.
pub async fn change_password(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let (core, domain, ip) = (&api.core, &call.caller.domain, call.caller.ip);
    let user = call.require_user(core, permissions::AUTH_CHANGE_PASSWORD).await?;
    core.rate_limits().check_rate_limit(domain, Limited::ChangePassword, ip, &user.id.to_string()).await?;
    let mut fields = Fields::of(&call.body)?;
    fields.refuse_unknown(&["currentPassword", "password", "passwordConfirmation"])?;
    let current = fields.required_text("currentPassword");
    let password = fields.required_text("password");
    let confirmation = fields.required_text("passwordConfirmation");
    let given = fields.finish()?;
    let client = call.caller.client(None);
    let changed = core
        .auth()
        .change_password(domain, user, &current, &password, &confirmation, &client)
        .await
        .map_err(|e| given.answer(e))?;
    Ok(reply::ok(session(&changed)))
}

/// `GET /auth/email-confirmation?confirmation=...`: confirms, then redirects to the domain's
/// `email_confirmation_redirection` (else `/`).
pub async fn email_confirmation(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let (core, domain) = (&api.core, &call.caller.domain);
    call.require_attempt(core, &auth_action("emailConfirmation")).await?;
    let given = call.query.get("confirmation");
    let confirmation = given.and_then(|v| v.text()).unwrap_or("");
    let given = Given::absent_when(given.is_none(), "confirmation");
    core.auth().confirm_email(domain, confirmation).await.map_err(|e| given.answer(e))?;
    let target = domain.settings.email_confirmation_redirection.as_deref().unwrap_or("/");
    let location = HeaderValue::from_bytes(target.as_bytes()).unwrap_or(HeaderValue::from_static("/"));
    let body = format!("Redirecting to {}.", html_escape::encode_text(target));
    Ok((StatusCode::FOUND, [(header::LOCATION, location)], [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
        .into_response())
}

/// `POST /auth/send-email-confirmation`: a new confirmation mail (the older link stops
/// working); an unknown address gets the same answer and no mail.
pub async fn send_email_confirmation(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let (core, domain, ip) = (&api.core, &call.caller.domain, call.caller.ip);
    call.require_attempt(core, &auth_action("sendEmailConfirmation")).await?;
    core.rate_limits().check_rate_limit(domain, Limited::SendEmailConfirmation, ip, key(&call.body, "email")).await?;
    let mut fields = Fields::of(&call.body)?;
    let email = fields.required_text("email");
    let given = fields.finish()?;
    core.auth().resend_email_confirmation(domain, &email).await.map_err(|e| given.answer(e))?;
    // The address as given, known or not, so that the answer tells nothing about accounts.
    Ok(reply::ok(json!({ "email": email, "sent": true })))
}

/// `GET /connect/*` (`action` = `connect`) and `GET /auth/:provider/callback` (`callback`):
/// Gatehouse has no OAuth provider, and takes a password only in a POST body.
pub async fn no_provider(action: &'static str, api: Shared, call: Call) -> Result<Response, RestError> {
    call.require_attempt(&api.core, &auth_action(action)).await?;
    Err(RestError::application("This provider is disabled"))
}
