//! `Authorization: Basic` credentials (RFC 7617), read the same way for every API; what a
//! malformed header means is each API's to say.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;

/// What a request's `Authorization` header holds, as far as Basic credentials go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasicAuth {
    /// No `Authorization` header, or another scheme (a bearer token).
    Absent,
    Credentials(BasicCredentials),
    Malformed(Malformed),
}

/// Why an `Authorization` header is not readable Basic credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// The value is not visible ASCII: not even its scheme can be read.
    NotText,
    /// `Basic` and nothing after it.
    Empty,
    /// The credentials are not standard, padded base64.
    NotBase64,
    /// They decode to bytes that are not UTF-8.
    NotUtf8,
    /// No `:` between the user-id and the password.
    NoColon,
}

/// The user-id and the password, split at the first `:` (a password may contain `:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    pub user: String,
    pub password: String,
}

impl BasicCredentials {
    /// A `name@domain` user-id split at its last `@` (a name may itself contain `@`); `None`
    /// unless both parts are there.
    pub fn name_and_domain(&self) -> Option<(&str, &str)> {
        let (name, domain) = self.user.rsplit_once('@')?;
        (!name.is_empty() && !domain.is_empty()).then_some((name, domain))
    }
}

/// Reads the `Authorization` header: the scheme in any case, the credentials after one space.
pub fn read(headers: &HeaderMap) -> BasicAuth {
    let Some(value) = headers.get(AUTHORIZATION) else { return BasicAuth::Absent };
    let Ok(value) = value.to_str() else { return BasicAuth::Malformed(Malformed::NotText) };
    let value = value.trim();
    let (scheme, encoded) = match value.split_once(' ') {
        Some((scheme, encoded)) => (scheme, Some(encoded.trim())),
        None => (value, None),
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return BasicAuth::Absent;
    }
    let Some(encoded) = encoded else { return BasicAuth::Malformed(Malformed::Empty) };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return BasicAuth::Malformed(Malformed::NotBase64);
    };
    let Ok(decoded) = String::from_utf8(decoded) else { return BasicAuth::Malformed(Malformed::NotUtf8) };
    match decoded.split_once(':') {
        Some((user, password)) => {
            BasicAuth::Credentials(BasicCredentials { user: user.to_string(), password: password.to_string() })
        }
        None => BasicAuth::Malformed(Malformed::NoColon),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn header(value: &[u8]) -> BasicAuth {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_bytes(value).unwrap());
        read(&headers)
    }

    fn basic(scheme: &str, credentials: &[u8]) -> BasicAuth {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        header(format!("{scheme} {encoded}").as_bytes())
    }

    fn credentials(user: &str, password: &str) -> BasicAuth {
        BasicAuth::Credentials(BasicCredentials { user: user.into(), password: password.into() })
    }

    #[test]
    fn the_scheme_is_read_in_any_case_and_other_schemes_are_not_basic() {
        for scheme in ["Basic", "basic", "BASIC", "bAsIc"] {
            assert_eq!(basic(scheme, b"alice:secret"), credentials("alice", "secret"), "{scheme}");
        }
        assert_eq!(read(&HeaderMap::new()), BasicAuth::Absent);
        assert_eq!(header(b"Bearer abc.def.ghi"), BasicAuth::Absent);
        assert_eq!(header(b"Basicx YWxpY2U6cw=="), BasicAuth::Absent);
        // A tab is not the separator: the whole value is then the scheme.
        assert_eq!(header(b"Basic\tYWxpY2U6cw=="), BasicAuth::Absent);
    }

    #[test]
    fn spaces_around_the_value_and_the_credentials_are_ignored() {
        assert_eq!(header(b"  Basic   YWxpY2U6cw==  "), credentials("alice", "s"));
        assert_eq!(header(b"Basic"), BasicAuth::Malformed(Malformed::Empty));
        assert_eq!(header(b"Basic   "), BasicAuth::Malformed(Malformed::Empty));
    }

    #[test]
    fn credentials_that_are_not_base64_utf8_or_colon_separated_are_malformed() {
        for bad in ["Basic !!!", "Basic YWxpY2U6cw", "Basic YWxp Y2U6cw==", "Basic YWxpY2U6cw==="] {
            assert_eq!(header(bad.as_bytes()), BasicAuth::Malformed(Malformed::NotBase64), "{bad}");
        }
        assert_eq!(basic("Basic", b"al\xffce:secret"), BasicAuth::Malformed(Malformed::NotUtf8));
        assert_eq!(basic("Basic", b"alice"), BasicAuth::Malformed(Malformed::NoColon));
        assert_eq!(header(b"Basic \xe9t\xe9"), BasicAuth::Malformed(Malformed::NotText));
    }

    #[test]
    fn the_user_id_ends_at_the_first_colon() {
        assert_eq!(basic("Basic", b"alice:se:cr:et"), credentials("alice", "se:cr:et"));
        assert_eq!(basic("Basic", b":"), credentials("", ""));
        assert_eq!(basic("Basic", "zoë:pässword".as_bytes()), credentials("zoë", "pässword"));
    }

    #[test]
    fn a_name_at_a_domain_splits_at_the_last_at_sign() {
        let split = |user: &str| {
            BasicCredentials { user: user.into(), password: String::new() }
                .name_and_domain()
                .map(|(name, domain)| (name.to_string(), domain.to_string()))
        };
        assert_eq!(split("alice@example.com"), Some(("alice".into(), "example.com".into())));
        assert_eq!(split("alice@work@example.com"), Some(("alice@work".into(), "example.com".into())));
        assert_eq!(split("alice"), None);
        assert_eq!(split("@example.com"), None);
        assert_eq!(split("alice@"), None);
    }
}
