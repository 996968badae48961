use super::ParseError;
use super::text_value::text_value;

use crate::text::EMAIL_MAX_BYTES as MAX_BYTES;

/// An email address, trimmed and lower-cased. The check is pragmatic: one `@`, a non-empty
/// local part, a dotted domain, no spaces or control characters, at most 254 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

text_value!(Email);

/// How an address is compared and stored.
fn normalize(text: &str) -> String {
    text.trim().to_lowercase()
}

impl Email {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let email = normalize(text);
        let valid = email.len() <= MAX_BYTES
            && email.split_once('@').is_some_and(|(local, host)| {
                !local.is_empty()
                    && !host.contains('@')
                    && host.contains('.')
                    && !host.starts_with('.')
                    && !host.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            });
        if valid { Ok(Self(email)) } else { Err(ParseError::new("email must be a valid email")) }
    }

    /// Whether `text`, trimmed and lower-cased as `parse` does, is this address (valid or not).
    pub fn is_written(&self, text: &str) -> bool {
        normalize(text) == self.0
    }
}

impl std::str::FromStr for Email {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Alice@Example.COM\n").unwrap(), "alice@example.com");
        assert_eq!(Email::parse("a+tag@sub.example.org").unwrap(), "a+tag@sub.example.org");
        assert!(Email::parse("Alice@Example.com").unwrap().is_written(" ALICE@example.com"));
        assert!(!Email::parse("alice@example.com").unwrap().is_written("bob@example.com"));
    }

    #[test]
    fn malformed_addresses_are_refused() {
        let local = "a".repeat(MAX_BYTES - "@example.com".len());
        assert!(Email::parse(&format!("{local}@example.com")).is_ok(), "254 bytes");
        for bad in [
            "",
            "   ",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "alice@.example.com",
            "alice@example.com.",
            "a@b@example.com",
            "al ice@example.com",
            "al\u{7}ice@example.com",
            &format!("a{local}@example.com"),
        ] {
            let error = Email::parse(bad).unwrap_err();
            assert_eq!(error.to_string(), "email must be a valid email", "{bad:?}");
        }
    }
}
