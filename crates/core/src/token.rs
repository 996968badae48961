//! JSON Web Tokens: HS256 only, carrying the user id, its domain, its token version and, for
//! a domain using refresh tokens, the session the token belongs to.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
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
}

impl TokenService {
    pub fn new(secret: &[u8]) -> Self {
        // Only the configured algorithm is accepted: a token signed with HS384/HS512 or
        // "none" is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat"]);
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
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
    pub fn verify(&self, jwt: &str) -> Option<Claims> {
        decode::<Claims>(jwt, &self.decoding, &self.validation).ok().map(|data| data.claims)
    }
}
