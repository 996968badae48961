//! Row ids, one type per kind of record, so that a user id is never taken for a role id.
//! They name records and nothing else: no arithmetic.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            /// The number, for storage and the wire.
            pub const fn get(self) -> i64 {
                self.0
            }

            /// The id written in decimal, as the APIs' `ID` arguments carry it.
            pub fn parse(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A domain's row id.
    DomainId
);
id!(
    /// A user's row id (unique across domains, but only meaningful with its domain).
    UserId
);
id!(
    /// A role's row id.
    RoleId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_from_decimal_text_and_print_as_numbers() {
        assert_eq!(UserId::parse("42"), Some(UserId::new(42)));
        assert_eq!(UserId::parse("-7").map(UserId::get), Some(-7));
        assert_eq!(RoleId::parse("abc123"), None);
        assert_eq!(RoleId::parse(""), None);
        assert_eq!(DomainId::parse("9223372036854775808"), None, "beyond i64");
        assert_eq!(UserId::new(5).to_string(), "5");
    }
}
