//! Strapi's permission map, `{"plugin::users-permissions": {"controllers": {"user": {"find":
//! {"enabled": true, "policy": ""}}}}}`: what the REST API shows of a role's action strings,
//! and how a role body gives them.

use serde_json::{Value, json};

use super::error::RestError;
use gatehouse_core::Action;
use gatehouse_core::permissions::{CONTENT_API_ACTIONS, PREFIX};

/// Every action of the plugin's content API in Strapi's order, then the other actions of
/// `granted` (an application's own); those in `granted` enabled.
pub fn of(granted: &[Action]) -> Value {
    let mut map = json!({});
    let mut set = |namespace: &str, controller: &str, action: &str, enabled: bool| {
        map[namespace]["controllers"][controller][action] = json!({ "enabled": enabled, "policy": "" });
    };
    let namespace = PREFIX.trim_end_matches('.');
    let mut known = Vec::new();
    for (controller, action) in CONTENT_API_ACTIONS {
        let full = format!("{PREFIX}{controller}.{action}");
        set(namespace, controller, action, granted.iter().any(|g| g.as_str() == full));
        known.push(full);
    }
    for action in granted.iter().filter(|a| !known.iter().any(|k| k == a.as_str())) {
        if let [namespace, controller, name] = action.splitn(3, '.').collect::<Vec<_>>().as_slice() {
            set(namespace, controller, name, true);
        }
    }
    map
}

/// The actions a body's map enables (`"enabled"` truthy, as JavaScript reads it).
pub fn enabled(map: &Value) -> Result<Vec<String>, RestError> {
    let invalid = || RestError::validation("permissions must be a map of namespaces, controllers and actions");
    let mut actions = Vec::new();
    for (namespace, entry) in map.as_object().ok_or_else(invalid)? {
        let controllers = entry.get("controllers").and_then(Value::as_object).ok_or_else(invalid)?;
        for (controller, entries) in controllers {
            for (action, state) in entries.as_object().ok_or_else(invalid)? {
                if truthy(state.get("enabled").unwrap_or(&Value::Null)) {
                    actions.push(format!("{namespace}.{controller}.{action}"));
                }
            }
        }
    }
    Ok(actions)
}

/// JavaScript's truthiness, with a form's `"false"` and `"0"` read as false.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !matches!(text.as_str(), "" | "false" | "0"),
        Value::Array(_) | Value::Object(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_in_order_then_the_application_ones() {
        let granted =
            ["plugin::users-permissions.user.me", "api::article.article.find"].map(|a| Action::parse(a).unwrap());
        let map = of(&granted);
        let controllers = &map["plugin::users-permissions"]["controllers"];
        let auth: Vec<&String> = controllers["auth"].as_object().unwrap().keys().collect();
        assert_eq!(auth[..3], ["callback", "changePassword", "resetPassword"]);
        assert_eq!(controllers["user"]["me"], json!({ "enabled": true, "policy": "" }));
        assert_eq!(controllers["user"]["find"]["enabled"], false);
        assert_eq!(map["api::article"]["controllers"]["article"]["find"]["enabled"], true);
        let keys: Vec<&String> = map.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["plugin::users-permissions", "api::article"]);
    }

    #[test]
    fn a_body_map_gives_its_enabled_actions() {
        let body = json!({
            "plugin::users-permissions": { "controllers": { "user": { "me": { "enabled": true }, "count": { "enabled": false } } } },
            "api::article": { "controllers": { "article": { "find": { "enabled": 1 } } } }
        });
        assert_eq!(enabled(&body).unwrap(), ["plugin::users-permissions.user.me", "api::article.article.find"]);
        assert!(enabled(&json!({ "x": 1 })).is_err());
    }
}
