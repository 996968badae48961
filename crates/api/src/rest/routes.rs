//! Every route of the REST API: method, path (under the prefix), the permission action it
//! needs, what it does, and its handler. The router and the documentation both read this list.

use axum::extract::State;
use axum::routing::{MethodFilter, MethodRouter, on};

use super::call::{Call, Shared};
use super::{auth, roles, sessions, users};
use gatehouse_core::permissions::PREFIX;
use gatehouse_http::docs::RestRoute;

pub struct Route {
    pub method: MethodFilter,
    pub doc: RestRoute,
    pub handler: MethodRouter<Shared>,
}

/// `METHOD "path" "action" handler "summary";`, one row per route.
macro_rules! table {
    ($($method:ident $path:literal $action:literal $handler:expr, $summary:literal;)*) => {
        vec![$(Route {
            method: MethodFilter::$method,
            doc: RestRoute {
                method: stringify!($method),
                path: $path.into(),
                action: format!("{PREFIX}{}", $action),
                summary: $summary,
            },
            handler: on(MethodFilter::$method, $handler),
        }),*]
    };
}

/// In Strapi's order.
pub fn all() -> Vec<Route> {
    let no_provider =
        |action: &'static str| move |State(api): State<Shared>, call: Call| auth::no_provider(action, api, call);
    table![
        GET "/connect/{*provider}" "auth.connect" no_provider("connect"),
            "OAuth sign-in: no provider is enabled (400)";
        POST "/auth/local" "auth.callback" auth::login,
            "Log in with identifier (username or email) and password: {jwt, user}";
        POST "/auth/local/register" "auth.register" auth::register,
            "Register username, email, password: {jwt, user}, or {user} until the email is confirmed";
        GET "/auth/{provider}/callback" "auth.callback" no_provider("callback"),
            "OAuth callback: no provider is enabled (400)";
        POST "/auth/forgot-password" "auth.forgotPassword" auth::forgot_password,
            "Mail a reset link to email: {ok: true}, known or not";
        POST "/auth/reset-password" "auth.resetPassword" auth::reset_password,
            "New password (and passwordConfirmation) with the mailed code: {jwt, user}";
        GET "/auth/email-confirmation" "auth.emailConfirmation" auth::email_confirmation,
            "Confirm with the mailed confirmation code: 302 to the domain's confirmation redirection";
        POST "/auth/send-email-confirmation" "auth.sendEmailConfirmation" auth::send_email_confirmation,
            "Mail a new confirmation link to email: {email, sent: true}";
        POST "/auth/change-password" "auth.changePassword" auth::change_password,
            "The caller's new password (and passwordConfirmation), confirmed with currentPassword: {jwt, user}";
        POST "/auth/refresh" "auth.refresh" sessions::refresh,
            "Exchange a refresh token (body refreshToken, or the cookie) for new tokens: {jwt, refreshToken}; 404 with legacy tokens";
        POST "/auth/logout" "auth.logout" sessions::logout,
            "End sessions: scope all, a deviceId, the refresh token's, else the caller's: {ok: true}; 404 with legacy tokens";
        GET "/auth/sessions" "auth.getSessions" sessions::list,
            "The caller's live sessions, the current one first: {data}; 404 with legacy tokens";
        DELETE "/auth/sessions/{id}" "auth.revokeSession" sessions::revoke,
            "End one of the caller's sessions: {data: {}}; 404 with legacy tokens";
        GET "/users/count" "user.count" users::count,
            "How many users match filters: a number";
        GET "/users" "user.find" users::find,
            "Users matching filters, _q, sort, start, limit, with fields and populate=role: an array";
        GET "/users/me" "user.me" users::me,
            "The caller (fields, populate=role)";
        GET "/users/{id}" "user.findOne" users::find_one,
            "A user by numeric id (fields, populate=role); 204 when there is none";
        POST "/users" "user.create" users::create,
            "Create a user (role: id, documentId or {connect: [...]}): 201 and the user";
        PUT "/users/{id}" "user.update" users::update,
            "Update a user: the user; 404 when there is none";
        DELETE "/users/{id}" "user.destroy" users::destroy,
            "Delete a user: the deleted user; 204 when there is none";
        GET "/users-permissions/roles/{id}" "role.findOne" roles::find_one,
            "A role by numeric id, with the map of every action: {role}";
        GET "/users-permissions/roles" "role.find" roles::find,
            "The roles with their number of users: {roles}";
        POST "/users-permissions/roles" "role.createRole" roles::create,
            "Create a role (name, description, type, permissions map): {ok: true}";
        PUT "/users-permissions/roles/{id}" "role.updateRole" roles::update,
            "Update a role; a permissions map replaces its set: {ok: true}";
        DELETE "/users-permissions/roles/{id}" "role.deleteRole" roles::destroy,
            "Delete a role; its users move to the Public role: {ok: true}";
        GET "/users-permissions/permissions" "permissions.getPermissions" roles::permissions,
            "The map of every action: {permissions}";
    ]
}
