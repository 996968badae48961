use super::ParseError;
use super::text_value::text_value;

use crate::text::NAME_MAX_CHARS as MAX_CHARS;

/// A permission's action: `<plugin::name|api::name>.<controller>.<action>`, each part made of
/// ASCII letters, digits, `-` and `_`; at most 255 characters. Taken exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Action(String);

text_value!(Action);

impl Action {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if is_well_formed(text) && text.len() <= MAX_CHARS {
            return Ok(Self(text.to_string()));
        }
        Err(ParseError::new(format!(
            "Invalid action {text:?}: expected <plugin::name|api::name>.<controller>.<action>"
        )))
    }
}

fn is_well_formed(action: &str) -> bool {
    let Some(rest) = action.strip_prefix("plugin::").or_else(|| action.strip_prefix("api::")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

impl std::str::FromStr for Action {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_and_api_actions_are_accepted() {
        assert_eq!(
            Action::parse("plugin::users-permissions.user.find").unwrap(),
            "plugin::users-permissions.user.find"
        );
        assert!(Action::parse("api::article.article.update_all").is_ok());
        let longest = format!("api::{}.c.a", "x".repeat(MAX_CHARS - "api::.c.a".len()));
        assert!(Action::parse(&longest).is_ok());
        assert!(Action::parse(&format!("{longest}b")).is_err(), "256 characters");
    }

    #[test]
    fn malformed_actions_are_refused_with_the_expected_form() {
        let error = Action::parse("user.find").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid action \"user.find\": expected <plugin::name|api::name>.<controller>.<action>"
        );
        for bad in [
            "",
            "plugin::a.b",
            "plugin::a.b.c.d",
            "api::a..c",
            "other::a.b.c",
            "api::a.b.c ",
            " api::a.b.c",
            "api::a.b.c!",
            "api::é.b.c",
        ] {
            assert!(Action::parse(bad).is_err(), "{bad:?}");
        }
    }
}
