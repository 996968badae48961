//! The admin API's own scalars. Identifiers are normalised (domains lower-cased) while they
//! are read, so that the protection check and the resolvers see the same value. The checks
//! here run twice: in `protection` before anything executes (to answer MongooseIM's
//! `input_coercion` 400), and in async-graphql's validation for any value that slips past.

use async_graphql::{InputType, InputValueError, InputValueResult, Scalar, ScalarType, Value};

use super::cursor::Cursor;
use gatehouse_core::model::{Millis, format_millis};

/// Why a value does not fit a scalar; the reasons are MongooseIM's where it has one.
pub fn check(scalar: &str, value: &Value) -> Option<Result<(), &'static str>> {
    let result = match scalar {
        "DomainName" => string(value).and_then(parse_domain).map(drop),
        "UserRef" => string(value).and_then(UserRef::parse).map(drop),
        "FullUserRef" => string(value).and_then(FullUserRef::parse).map(drop),
        // GraphQL's Int is 32-bit; async-graphql would take any i64 for an `i64` argument.
        "Int" => int(value).and_then(|n| i32::try_from(n).map(drop).map_err(|_| "Value is not a 32-bit integer")),
        "PosInt" => int(value).and_then(|n| if n > 0 { Ok(()) } else { Err("Value is not a positive integer") }),
        "NonNegInt" => {
            int(value).and_then(|n| if n >= 0 { Ok(()) } else { Err("Value is not a non-negative integer") })
        }
        "Cursor" => string(value).and_then(Cursor::decode).map(drop),
        "NonEmptyString" => {
            string(value).and_then(|s| if s.is_empty() { Err("Given string is empty") } else { Ok(()) })
        }
        _ => return None,
    };
    Some(result)
}

fn string(value: &Value) -> Result<&str, &'static str> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err("wrong_type"),
    }
}

fn int(value: &Value) -> Result<i64, &'static str> {
    match value {
        Value::Number(n) => n.as_i64().ok_or("wrong_type"),
        _ => Err("wrong_type"),
    }
}

fn parse_domain(name: &str) -> Result<gatehouse_core::DomainName, &'static str> {
    if name.trim().is_empty() {
        return Err("empty_domain_name");
    }
    gatehouse_core::DomainName::parse(name).map_err(|_| "failed_to_parse_domain_name")
}

/// The domain a `DomainName` or a `UserRef` value names, as the protection check compares it.
pub fn domain_of(value: &str) -> Option<String> {
    // A session's full reference names its user's domain.
    let value = FullUserRef::parse(value).map(|full| full.user.to_string()).unwrap_or_else(|_| value.to_string());
    let value = value.as_str();
    let domain = match value.rsplit_once('@') {
        Some(_) => UserRef::parse(value).ok().map(|u| u.domain),
        None => parse_domain(value).ok(),
    };
    domain.map(String::from)
}

fn coercion_error<T: InputType>(reason: &'static str, value: &Value) -> InputValueError<T> {
    match reason {
        "wrong_type" => InputValueError::expected_type(value.clone()),
        reason => InputValueError::custom(reason),
    }
}

/// A domain name, parsed (and so lower-cased) as it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainName(pub gatehouse_core::DomainName);

/// A DNS-like domain name; normalised to lower case.
#[Scalar(name = "DomainName")]
impl ScalarType for DomainName {
    fn parse(value: Value) -> InputValueResult<Self> {
        string(&value).and_then(parse_domain).map(DomainName).map_err(|reason| coercion_error(reason, &value))
    }

    fn is_valid(value: &Value) -> bool {
        matches!(check("DomainName", value), Some(Ok(())))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A user of a domain, `username@domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    /// As given: usernames are case-sensitive (Strapi's rule). Not parsed as a `Username`: a
    /// name that cannot be one is a user that does not exist, not a malformed reference.
    pub username: String,
    pub domain: gatehouse_core::DomainName,
}

impl UserRef {
    pub fn new(username: &str, domain: &gatehouse_core::DomainName) -> Self {
        Self { username: username.to_string(), domain: domain.clone() }
    }

    /// `name@domain`, split at the last `@` (usernames may contain one).
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let (username, domain) = value.rsplit_once('@').ok_or("failed_to_parse_user_ref")?;
        if username.is_empty() {
            return Err("user_ref_without_local_part");
        }
        Ok(Self { username: username.to_string(), domain: parse_domain(domain)? })
    }
}

impl std::fmt::Display for UserRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.username, self.domain)
    }
}

/// A user as `username@domain`; the domain part is normalised to lower case, the username is
/// case-sensitive.
#[Scalar(name = "UserRef")]
impl ScalarType for UserRef {
    fn parse(value: Value) -> InputValueResult<Self> {
        string(&value).and_then(UserRef::parse).map_err(|reason| coercion_error(reason, &value))
    }

    fn is_valid(value: &Value) -> bool {
        matches!(check("UserRef", value), Some(Ok(())))
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// A session of a user, as `username@domain/SESSION_ID` (MongooseIM's full JID, with the
/// session in the place of the resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullUserRef {
    pub user: UserRef,
    pub session: gatehouse_core::SessionId,
}

impl FullUserRef {
    /// Split at the last `/`, which neither a domain nor a session id holds.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let (user, session) = value.rsplit_once('/').ok_or("jid_without_resource")?;
        let user = UserRef::parse(user)?;
        let session = gatehouse_core::SessionId::parse(session).map_err(|_| "invalid_session_id")?;
        Ok(Self { user, session })
    }
}

impl std::fmt::Display for FullUserRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.user, self.session)
    }
}

/// A user's session as `username@domain/SESSION_ID`.
#[Scalar(name = "FullUserRef")]
impl ScalarType for FullUserRef {
    fn parse(value: Value) -> InputValueResult<Self> {
        string(&value).and_then(FullUserRef::parse).map_err(|reason| coercion_error(reason, &value))
    }

    fn is_valid(value: &Value) -> bool {
        matches!(check("FullUserRef", value), Some(Ok(())))
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// An integer greater than zero.
#[derive(Debug, Clone, Copy)]
pub struct PosInt(pub i64);

/// An integer greater than zero.
#[Scalar(name = "PosInt")]
impl ScalarType for PosInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        match check("PosInt", &value) {
            Some(Ok(())) => int(&value).map(PosInt).map_err(|r| coercion_error(r, &value)),
            Some(Err(reason)) => Err(coercion_error(reason, &value)),
            None => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(check("PosInt", value), Some(Ok(())))
    }

    fn to_value(&self) -> Value {
        Value::from(self.0)
    }
}

/// An integer, zero or more.
#[derive(Debug, Clone, Copy)]
pub struct NonNegInt(pub i64);

/// An integer, zero or more.
#[Scalar(name = "NonNegInt")]
impl ScalarType for NonNegInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        match check("NonNegInt", &value) {
            Some(Ok(())) => int(&value).map(NonNegInt).map_err(|r| coercion_error(r, &value)),
            Some(Err(reason)) => Err(coercion_error(reason, &value)),
            None => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(check("NonNegInt", value), Some(Ok(())))
    }

    fn to_value(&self) -> Value {
        Value::from(self.0)
    }
}

/// A string with at least one character.
#[derive(Debug, Clone)]
pub struct NonEmptyString(pub String);

/// A string with at least one character.
#[Scalar(name = "NonEmptyString")]
impl ScalarType for NonEmptyString {
    fn parse(value: Value) -> InputValueResult<Self> {
        match check("NonEmptyString", &value) {
            Some(Ok(())) => Ok(NonEmptyString(string(&value).unwrap_or_default().to_string())),
            Some(Err(reason)) => Err(coercion_error(reason, &value)),
            None => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(check("NonEmptyString", value), Some(Ok(())))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// A point in time.
#[derive(Debug, Clone, Copy)]
pub struct DateTime(pub Millis);

/// A point in time, RFC 3339 in UTC with milliseconds: `2026-01-31T12:00:00.000Z`.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = string(&value).map_err(|r| coercion_error(r, &value))?;
        let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_err(|_| InputValueError::custom("failed_to_parse_datetime"))?;
        Ok(DateTime((parsed.unix_timestamp_nanos() / 1_000_000) as Millis))
    }

    fn to_value(&self) -> Value {
        Value::String(format_millis(self.0))
    }
}
