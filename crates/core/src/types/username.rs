use super::ParseError;
use super::text_value::text_value;

use crate::text::NAME_MAX_CHARS as MAX_CHARS;

/// A username as Strapi's attribute rule takes it: 3 to 255 characters, none of them a
/// control character. Case-sensitive and kept as given (not trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

text_value!(Username);

impl Username {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.is_empty() {
            return Err(ParseError::new("username is a required field"));
        }
        if text.chars().count() < 3 {
            return Err(ParseError::new("username must be at least 3 characters"));
        }
        // Counting stops one past the bound: a megabyte of text costs no more than the bound.
        if text.chars().nth(MAX_CHARS).is_some() {
            return Err(ParseError::new(format!("username must be at most {MAX_CHARS} characters")));
        }
        if text.chars().any(char::is_control) {
            return Err(ParseError::new("username must not contain control characters"));
        }
        Ok(Self(text.to_string()))
    }
}

impl std::str::FromStr for Username {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Username::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn usernames_are_kept_as_given() {
        assert_eq!(Username::parse("Alice").unwrap(), "Alice");
        assert_eq!(Username::parse(" bob ").unwrap(), " bob ", "not trimmed");
        assert_eq!(Username::parse("a@b").unwrap(), "a@b");
        assert!(Username::parse(&"é".repeat(255)).is_ok(), "characters, not bytes");
    }

    #[test]
    fn usernames_have_3_to_255_characters_and_no_control_character() {
        assert_eq!(error(""), "username is a required field");
        assert_eq!(error("ab"), "username must be at least 3 characters");
        assert_eq!(error("éé"), "username must be at least 3 characters");
        assert_eq!(error(&"a".repeat(256)), "username must be at most 255 characters");
        assert_eq!(error("al\u{7}ice"), "username must not contain control characters");
        assert_eq!(error("al\nice"), "username must not contain control characters");
    }
}
