//! Action strings and the permissions every new domain starts with (Strapi's defaults).

use crate::types::Action;

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
pub fn defaults(role_type: &str) -> Vec<Action> {
    let list = match role_type {
        PUBLIC => PUBLIC_DEFAULTS,
        AUTHENTICATED => AUTHENTICATED_DEFAULTS,
        _ => &[],
    };
    list.iter().map(|a| own(&format!("{PREFIX}{a}"))).collect()
}

/// Every action Gatehouse itself knows; applications may grant others of their own.
pub fn known_actions() -> Vec<Action> {
    let mut actions: Vec<Action> =
        PUBLIC_DEFAULTS.iter().chain(AUTHENTICATED_DEFAULTS).map(|a| own(&format!("{PREFIX}{a}"))).collect();
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
        .map(|a| own(a)),
    );
    actions.sort();
    actions.dedup();
    actions
}

/// One of the constant actions above; the test below proves each parses.
fn own(action: &str) -> Action {
    Action::parse(action).unwrap_or_else(|e| unreachable!("{e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_known_action_is_well_formed() {
        for action in super::known_actions() {
            assert!(super::Action::parse(&action).is_ok(), "{action}");
        }
        assert_eq!(super::defaults(super::PUBLIC).len(), super::PUBLIC_DEFAULTS.len());
    }
}
