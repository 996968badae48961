//! `Cursor`: where a page of `listUsersPage` or `listEventsPage` ended, handed back as `after`
//! to get the next page. Opaque to clients (URL-safe base64 of `listing:domain:key`), so that
//! its content may change; a cursor continues the listing it came from and no other: the
//! users of its domain, or the events of its domain (of all domains when it has none).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use gatehouse_core::{CoreError, CoreResult, DomainName, Username};

/// Far above the longest cursor Gatehouse makes (a 255-character username and a domain name).
const MAX_CHARS: usize = 2048;

/// The listing a cursor continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Users,
    Events,
}

impl Listing {
    fn as_str(self) -> &'static str {
        match self {
            Listing::Users => "users",
            Listing::Events => "events",
        }
    }
}

/// The last item of a page: a username, or an event id.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Username(Username),
    EventId(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    listing: Listing,
    /// The domain of the listing; `None` for the events of every domain.
    domain: Option<DomainName>,
    key: Key,
}

fn another_listing() -> CoreError {
    CoreError::invalid("The cursor was made for another listing")
}

impl Cursor {
    /// The end of a page of `domain`'s users.
    pub fn users(domain: &DomainName, last: &Username) -> Self {
        Self { listing: Listing::Users, domain: Some(domain.clone()), key: Key::Username(last.clone()) }
    }

    /// The end of a page of events, of `domain` or of all domains.
    pub fn events(domain: Option<&DomainName>, last_id: i64) -> Self {
        Self { listing: Listing::Events, domain: domain.cloned(), key: Key::EventId(last_id) }
    }

    /// The username a page of `domain`'s users ended at.
    pub fn username_in(&self, domain: &DomainName) -> CoreResult<&Username> {
        match &self.key {
            Key::Username(name) if self.domain.as_ref() == Some(domain) => Ok(name),
            _ => Err(another_listing()),
        }
    }

    /// The id of the event a page of the events of `domain` (of all when `None`) ended at.
    pub fn event_id_in(&self, domain: Option<&DomainName>) -> CoreResult<i64> {
        match self.key {
            Key::EventId(id) if self.domain.as_ref() == domain => Ok(id),
            _ => Err(another_listing()),
        }
    }

    fn encode(&self) -> String {
        let domain = self.domain.as_ref().map_or("", |d| d.as_str());
        let key = match &self.key {
            Key::Username(name) => name.to_string(),
            Key::EventId(id) => id.to_string(),
        };
        URL_SAFE_NO_PAD.encode(format!("{}:{domain}:{key}", self.listing.as_str()))
    }

    /// A cursor Gatehouse made, or the reason the text is not one.
    pub fn decode(text: &str) -> Result<Self, &'static str> {
        const MALFORMED: &str = "malformed_cursor";
        if text.len() > MAX_CHARS {
            return Err(MALFORMED);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| MALFORMED)?;
        let decoded = String::from_utf8(bytes).map_err(|_| MALFORMED)?;
        // Domain names have no colon; a username may: it comes last.
        let mut parts = decoded.splitn(3, ':');
        let (Some(listing), Some(domain), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(MALFORMED);
        };
        let domain = match domain {
            "" => None,
            name => Some(DomainName::parse(name).map_err(|_| MALFORMED)?),
        };
        let (listing, key) = match listing {
            "users" if domain.is_some() => {
                (Listing::Users, Key::Username(Username::parse(key).map_err(|_| MALFORMED)?))
            }
            "events" => match key.parse::<i64>() {
                Ok(id) if id > 0 => (Listing::Events, Key::EventId(id)),
                _ => return Err(MALFORMED),
            },
            _ => return Err(MALFORMED),
        };
        Ok(Self { listing, domain, key })
    }
}

/// Where a page ended: pass it as `after` to get the next page of the same listing.
#[Scalar(name = "Cursor")]
impl ScalarType for Cursor {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => Cursor::decode(text).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if Cursor::decode(text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(name: &str) -> DomainName {
        DomainName::parse(name).unwrap()
    }

    #[test]
    fn a_cursor_reads_back_as_made_and_continues_its_own_listing_only() {
        let name = Username::parse("a:b@c").unwrap();
        let users = Cursor::users(&domain("one.test"), &name);
        let read = Cursor::decode(&users.encode()).unwrap();
        assert_eq!(read, users);
        assert_eq!(read.username_in(&domain("one.test")).unwrap(), &name);
        assert!(read.username_in(&domain("two.test")).is_err());
        assert!(read.event_id_in(Some(&domain("one.test"))).is_err());

        let all = Cursor::decode(&Cursor::events(None, 42).encode()).unwrap();
        assert_eq!(all.event_id_in(None).unwrap(), 42);
        assert!(all.event_id_in(Some(&domain("one.test"))).is_err());
        let one = Cursor::decode(&Cursor::events(Some(&domain("one.test")), 7).encode()).unwrap();
        assert_eq!(one.event_id_in(Some(&domain("one.test"))).unwrap(), 7);
        assert!(one.event_id_in(None).is_err());
    }

    #[test]
    fn anything_else_is_malformed() {
        let encoded = |text: &str| URL_SAFE_NO_PAD.encode(text);
        for text in [
            String::new(),
            "not base64!".into(),
            encoded("users:one.test"),
            encoded("users::alice"),
            encoded("users:one.test:ab"),
            encoded("users:not a domain:alice"),
            encoded("events::0"),
            encoded("events::x"),
            encoded("roles:one.test:1"),
            "A".repeat(MAX_CHARS + 1),
        ] {
            assert_eq!(Cursor::decode(&text), Err("malformed_cursor"), "{text}");
        }
    }
}
