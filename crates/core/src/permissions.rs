//! Action strings and the permissions every new domain starts with (Strapi's defaults).

use crate::types::Action;

pub const PREFIX: &str = "plugin::users-permissions.";

pub const AUTH_CHANGE_PASSWORD: &str = "plugin::users-permissions.auth.changePassword";
pub const AUTH_LOGOUT: &str = "plugin::users-permissions.auth.logout";
pub const AUTH_GET_SESSIONS: &str = "plugin::users-permissions.auth.getSessions";
pub const AUTH_REVOKE_SESSION: &str = "plugin::users-permissions.auth.revokeSession";
pub const USER_FIND: &str = "plugin::users-permissions.user.find";
pub const USER_FIND_ONE: &str = "plugin::users-permissions.user.findOne";
pub const USER_CREATE: &str = "plugin::users-permissions.user.create";
pub const USER_UPDATE: &str = "plugin::users-permissions.user.update";
pub const USER_DESTROY: &str = "plugin::users-permissions.user.destroy";
pub const USER_ME: &str = "plugin::users-permissions.user.me";
pub const USER_COUNT: &str = "plugin::users-permissions.user.count";
pub const ROLE_FIND: &str = "plugin::users-permissions.role.find";
pub const ROLE_FIND_ONE: &str = "plugin::users-permissions.role.findOne";
pub const ROLE_CREATE: &str = "plugin::users-permissions.role.createRole";
pub const ROLE_UPDATE: &str = "plugin::users-permissions.role.updateRole";
pub const ROLE_DELETE: &str = "plugin::users-permissions.role.deleteRole";
pub const PERMISSIONS_GET: &str = "plugin::users-permissions.permissions.getPermissions";

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
pub fn defaults(role_type: &str) -> Vec<Action> {
    let list = match role_type {
        PUBLIC => PUBLIC_DEFAULTS,
        AUTHENTICATED => AUTHENTICATED_DEFAULTS,
        _ => &[],
    };
    list.iter().map(|a| own(&format!("{PREFIX}{a}"))).collect()
}

/// The plugin's content-API actions as `(controller, action)`, in Strapi's order: the order of
/// the permission maps of its REST API.
pub const CONTENT_API_ACTIONS: &[(&str, &str)] = &[
    ("auth", "callback"),
    ("auth", "changePassword"),
    ("auth", "resetPassword"),
    ("auth", "refresh"),
    ("auth", "logout"),
    ("auth", "getSessions"),
    ("auth", "revokeSession"),
    ("auth", "connect"),
    ("auth", "forgotPassword"),
    ("auth", "register"),
    ("auth", "emailConfirmation"),
    ("auth", "sendEmailConfirmation"),
    ("user", "create"),
    ("user", "update"),
    ("user", "find"),
    ("user", "findOne"),
    ("user", "count"),
    ("user", "destroy"),
    ("user", "me"),
    ("role", "createRole"),
    ("role", "findOne"),
    ("role", "find"),
    ("role", "updateRole"),
    ("role", "deleteRole"),
    ("permissions", "getPermissions"),
];

/// Every action Gatehouse itself knows; applications may grant others of their own.
pub fn known_actions() -> Vec<Action> {
    let mut actions: Vec<Action> =
        CONTENT_API_ACTIONS.iter().map(|(controller, action)| own(&format!("{PREFIX}{controller}.{action}"))).collect();
    actions.sort();
    actions
}

/// One of the constant actions above; the test below proves each parses.
fn own(action: &str) -> Action {
    Action::parse(action).unwrap_or_else(|e| unreachable!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_action_is_well_formed() {
        for action in known_actions() {
            assert!(Action::parse(&action).is_ok(), "{action}");
        }
        assert_eq!(defaults(PUBLIC).len(), PUBLIC_DEFAULTS.len());
    }

    #[test]
    fn every_named_and_default_action_is_known() {
        let known = known_actions();
        let named = [
            AUTH_CHANGE_PASSWORD,
            USER_FIND,
            USER_FIND_ONE,
            USER_CREATE,
            USER_UPDATE,
            USER_DESTROY,
            USER_ME,
            USER_COUNT,
            ROLE_FIND,
            ROLE_FIND_ONE,
            ROLE_CREATE,
            ROLE_UPDATE,
            ROLE_DELETE,
            PERMISSIONS_GET,
        ];
        let defaults = defaults(PUBLIC).into_iter().chain(defaults(AUTHENTICATED));
        for action in named.iter().map(|a| own(a)).chain(defaults) {
            assert!(known.contains(&action), "{action} is not known");
        }
        assert_eq!(known.len(), CONTENT_API_ACTIONS.len(), "no action twice");
    }
}
