//! JSON Web Tokens: HS256 only, carrying the user id, its domain, its token version and, for
//! a domain using refresh tokens, the session the token belongs to.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use quick_cache::sync::Cache;
use serde::{Deserialize, Serialize};

use crate::types::{DomainName, SessionId, UserId};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Numeric user id, as Strapi issues it.
    pub id: i64,
    pub domain: String,
    /// The user's token version when issued; a later bump revokes the token.
    pub ver: i64,
    /// The session of an access token; none for a legacy token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Tokens already verified, by their whole text: a client sends the same token with each
    /// request, and decoding and checking it again (two base64 decodes, two JSON parses, an
    /// HMAC) was the largest single cost of a cached `me`. The text fixes the verdict but for
    /// the time, so a hit checks the expiry again.
    verified: Cache<Box<str>, Arc<Claims>>,
}

/// Verified tokens kept: about 300 bytes each with their claims.
const VERIFIED_TOKENS: usize = 16_384;

impl TokenService {
    pub fn new(secret: &[u8]) -> Self {
        // Only the configured algorithm is accepted: a token signed with HS384/HS512 or
        // "none" is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            verified: Cache::new(VERIFIED_TOKENS),
        }
    }

    /// Issues a token valid for `lifetime_seconds`; returns it with its expiry (Unix seconds).
    pub fn issue(
        &self,
        user_id: UserId,
        domain: &DomainName,
        version: i64,
        lifetime_seconds: i64,
    ) -> anyhow::Result<(String, i64)> {
        self.issue_for(user_id, domain, version, None, lifetime_seconds)
    }

    /// Issues a token bound to `session`, or a legacy one without.
    pub fn issue_for(
        &self,
        user_id: UserId,
        domain: &DomainName,
        version: i64,
        session: Option<&SessionId>,
        lifetime_seconds: i64,
    ) -> anyhow::Result<(String, i64)> {
        let iat = super::model::now_millis() / 1000;
        let claims = Claims {
            id: user_id.get(),
            domain: domain.to_string(),
            ver: version,
            sid: session.map(|s| s.to_string()),
            iat,
            exp: iat + lifetime_seconds,
        };
        let jwt = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((jwt, claims.exp))
    }

    /// The claims of a well-signed, unexpired token; `None` for anything else.
    pub fn verify(&self, jwt: &str) -> Option<Arc<Claims>> {
        if let Some(claims) = self.verified.get(jwt) {
            // jsonwebtoken's rule without leeway: expired once `exp` is in the past.
            return (claims.exp >= super::model::now_millis() / 1000).then_some(claims);
        }
        let claims = Arc::new(decode::<Claims>(jwt, &self.decoding, &self.validation).ok()?.claims);
        self.verified.insert(jwt.into(), claims.clone());
        Some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> TokenService {
        TokenService::new(b"a secret of the tests, long enough")
    }

    fn domain() -> DomainName {
        DomainName::parse("example.com").unwrap()
    }

    #[test]
    fn a_token_verifies_again_from_what_was_kept() {
        let tokens = service();
        let (jwt, exp) = tokens.issue(UserId::new(7), &domain(), 3, 60).unwrap();
        for _ in 0..2 {
            let claims = tokens.verify(&jwt).expect("valid token");
            assert_eq!((claims.id, claims.domain.as_str(), claims.ver, claims.exp), (7, "example.com", 3, exp));
        }
    }

    #[test]
    fn a_kept_token_is_refused_once_expired() {
        let tokens = service();
        let (jwt, _) = tokens.issue(UserId::new(7), &domain(), 0, 1).unwrap();
        assert!(tokens.verify(&jwt).is_some());
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert!(tokens.verify(&jwt).is_none());
    }

    #[test]
    fn another_secret_or_an_altered_token_is_refused() {
        let (jwt, _) = service().issue(UserId::new(7), &domain(), 0, 60).unwrap();
        let other = TokenService::new(b"another secret, just as long");
        assert!(other.verify(&jwt).is_none());
        let tokens = service();
        assert!(tokens.verify(&jwt).is_some());
        // A character in the middle of the signature, whose bits all count.
        let at = jwt.len() - 10;
        let swapped = if &jwt[at..=at] == "A" { "B" } else { "A" };
        let altered = format!("{}{swapped}{}", &jwt[..at], &jwt[at + 1..]);
        assert!(tokens.verify(&altered).is_none());
    }
}
