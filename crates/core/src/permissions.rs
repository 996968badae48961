//! Action strings and the permissions every new domain starts with (Strapi's defaults).

pub const PREFIX: &str = "plugin::users-permissions.";

pub const AUTH_CHANGE_PASSWORD: &str = "plugin::users-permissions.auth.changePassword";
pub const USER_FIND: &str = "plugin::users-permissions.user.find";
pub const USER_FIND_ONE: &str = "plugin::users-permissions.user.findOne";
pub const USER_CREATE: &str = "plugin::users-permissions.user.create";
pub const USER_UPDATE: &str = "plugin::users-permissions.user.update";
pub const USER_DESTROY: &str = "plugin::users-permissions.user.destroy";
pub const USER_ME: &str = "plugin::users-permissions.user.me";
pub const ROLE_FIND: &str = "plugin::users-permissions.role.find";
pub const ROLE_FIND_ONE: &str = "plugin::users-permissions.role.findOne";
pub const ROLE_CREATE: &str = "plugin::users-permissions.role.createRole";
pub const ROLE_UPDATE: &str = "plugin::users-permissions.role.updateRole";
pub const ROLE_DELETE: &str = "plugin::users-permissions.role.deleteRole";

/// Role types every domain has.
pub const PUBLIC: &str = "public";
pub const AUTHENTICATED: &str = "authenticated";

const PUBLIC_DEFAULTS: &[&str] = &[
    "auth.callback",
    "auth.connect",
    "auth.forgotPassword",
    "auth.resetPassword",
    "auth.register",
    "auth.emailConfirmation",
    "auth.sendEmailConfirmation",
    "auth.refresh",
];

const AUTHENTICATED_DEFAULTS: &[&str] =
    &["auth.logout", "auth.getSessions", "auth.revokeSession", "user.me", "auth.changePassword"];

/// The default permission set of a role type, as Strapi creates it.
pub fn defaults(role_type: &str) -> Vec<String> {
    let list = match role_type {
        PUBLIC => PUBLIC_DEFAULTS,
        AUTHENTICATED => AUTHENTICATED_DEFAULTS,
        _ => &[],
    };
    list.iter().map(|a| format!("{PREFIX}{a}")).collect()
}

/// Every action Gatehouse itself knows; applications may grant others of their own.
pub fn known_actions() -> Vec<String> {
    let mut actions: Vec<String> =
        PUBLIC_DEFAULTS.iter().chain(AUTHENTICATED_DEFAULTS).map(|a| format!("{PREFIX}{a}")).collect();
    actions.extend(
        [
            USER_FIND,
            USER_FIND_ONE,
            USER_CREATE,
            USER_UPDATE,
            USER_DESTROY,
            ROLE_FIND,
            ROLE_FIND_ONE,
            ROLE_CREATE,
            ROLE_UPDATE,
            ROLE_DELETE,
        ]
        .iter()
        .map(|a| a.to_string()),
    );
    actions.sort();
    actions.dedup();
    actions
}

/// An action string is `<plugin::name|api::name>.<controller>.<action>`.
pub fn is_valid_action(action: &str) -> bool {
    let Some(rest) = action.strip_prefix("plugin::").or_else(|| action.strip_prefix("api::")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}
