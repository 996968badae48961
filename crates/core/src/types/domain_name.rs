use super::ParseError;
use super::text_value::text_value;

/// A DNS-like domain name, trimmed and lower-cased: labels of letters, digits and `-` (not at
/// either end), at most 63 characters each and 253 in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

text_value!(DomainName);

impl DomainName {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let name = text.trim().to_lowercase();
        if name.is_empty() {
            return Err(ParseError::new("domain name is empty"));
        }
        if name.len() > 253 {
            return Err(ParseError::new("domain name is longer than 253 characters"));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !name.split('.').all(label_ok) {
            return Err(ParseError::new(format!("{name:?} is not a valid domain name")));
        }
        Ok(Self(name))
    }
}

impl std::str::FromStr for DomainName {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, ParseError> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        DomainName::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn names_are_trimmed_and_lower_cased() {
        assert_eq!(DomainName::parse("  Example.COM ").unwrap(), "example.com");
        assert_eq!(DomainName::parse("localhost").unwrap().as_str(), "localhost");
        assert_eq!(DomainName::parse("a-1.b2").unwrap(), "a-1.b2");
    }

    #[test]
    fn malformed_names_are_refused_with_the_reason() {
        assert_eq!(error("   "), "domain name is empty");
        assert_eq!(error(&format!("{}.com", "a.".repeat(125))), "domain name is longer than 253 characters");
        assert_eq!(error("Bad_Name.com"), "\"bad_name.com\" is not a valid domain name");
        for bad in ["-a.com", "a-.com", "a..com", ".a", "a.", &"x".repeat(64), "é.com", "a b"] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(DomainName::parse(&"x".repeat(63)).is_ok());
    }
}
