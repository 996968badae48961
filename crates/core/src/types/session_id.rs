use std::fmt;

use rand::RngCore;

use super::ParseError;

/// A session's id: 16 random bytes as 32 lower-case hex characters (Strapi's format).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

impl SessionId {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let well_formed = text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(ParseError::new("session id must be 32 lower-case hexadecimal characters"));
        }
        Ok(Self(text.to_string()))
    }

    /// What storage kept, without checking again.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_differ() {
        let id = SessionId::generate();
        assert_eq!(SessionId::parse(id.as_str()).unwrap(), id);
        assert_ne!(SessionId::generate(), id);
    }

    #[test]
    fn only_32_lower_case_hex_characters_are_ids() {
        assert!(SessionId::parse("0123456789abcdef0123456789abcdef").is_ok());
        for bad in [
            "",
            "abc",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdeg",
            "0123456789abcdef0123456789abcdef0",
        ] {
            assert!(SessionId::parse(bad).is_err(), "{bad}");
        }
    }
}
