//! The one error type of the core. Each API maps it once to its own wire format.

use super::validation::{Details, Invalid};

/// What a missing or conflicting thing is, so that each API can name it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Domain,
    User,
    Role,
    DomainPassword,
    Token,
    Session,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input that breaks a rule (a validation error in Strapi's terms), with the fields or the
    /// query key at fault when there are any.
    #[error("{0}")]
    Invalid(Invalid),
    /// Unknown identifier or wrong password: one message for both, by design.
    #[error("Invalid identifier or password")]
    InvalidCredentials,
    /// A request refused by a business rule (Strapi's ApplicationError).
    #[error("{0}")]
    Refused(String),
    #[error("{message}")]
    NotFound { entity: Entity, message: String },
    #[error("{message}")]
    Conflict { entity: Entity, message: String },
    #[error("This domain is disabled")]
    DomainDisabled,
    #[error("Domain is static")]
    StaticDomain,
    #[error("Forbidden access")]
    Forbidden,
    #[error("Too many requests, please try again later.")]
    RateLimited,
    /// A refresh token that is unknown, expired, of an ended session, or already used.
    #[error("Invalid refresh token")]
    InvalidRefreshToken,
    /// Anything unexpected: logged where it is mapped, never shown to a client.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl CoreError {
    pub fn not_found(entity: Entity, message: impl Into<String>) -> Self {
        CoreError::NotFound { entity, message: message.into() }
    }
    pub fn conflict(entity: Entity, message: impl Into<String>) -> Self {
        CoreError::Conflict { entity, message: message.into() }
    }
    /// Input refused as a whole, with no field to point at.
    pub fn invalid(message: impl Into<String>) -> Self {
        CoreError::Invalid(Invalid { message: message.into(), details: Details::None })
    }
    pub fn refused(message: impl Into<String>) -> Self {
        CoreError::Refused(message.into())
    }
}

/// Errors of the storage layer, as the core sees them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write.
    #[error("duplicate {0:?}")]
    Duplicate(UniqueKey),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// What must be unique in storage, so that a refused write says which rule it broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    DomainName,
    /// Within its domain.
    Username,
    /// Within its domain.
    RoleType,
    UserDocumentId,
    RoleDocumentId,
    ResetTokenHash,
    /// A refresh token's hash (a collision of 256 random bits: never in practice).
    SessionToken,
    ConfirmationTokenHash,
    /// An action within its role.
    Permission,
    /// A template kind within its domain.
    EmailTemplate,
    MetaKey,
    /// A rate-limit window's key (written with an upsert: never refused in practice).
    RateWindow,
    /// A rule storage does not name (a newer schema's).
    Unknown,
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(UniqueKey::DomainName) => {
                CoreError::conflict(Entity::Domain, "Domain already exists")
            }
            StoreError::Duplicate(UniqueKey::Username) => CoreError::conflict(Entity::User, "Username already taken"),
            StoreError::Duplicate(UniqueKey::RoleType) => {
                CoreError::conflict(Entity::Role, "A role of this type already exists")
            }
            // Random ids and token hashes, and rows written only where a conflict does nothing.
            StoreError::Duplicate(key) => CoreError::Internal(anyhow::anyhow!("unexpected duplicate {key:?}")),
            StoreError::Other(e) => CoreError::Internal(e),
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn core_error(key: UniqueKey) -> CoreError {
        StoreError::Duplicate(key).into()
    }

    #[test]
    fn a_duplicate_is_told_by_the_rule_it_broke() {
        let conflict = |entity, message: &str| (Some(entity), message.to_string());
        let seen = |e: CoreError| match e {
            CoreError::Conflict { entity, message } => (Some(entity), message),
            other => (None, other.to_string()),
        };
        assert_eq!(seen(core_error(UniqueKey::DomainName)), conflict(Entity::Domain, "Domain already exists"));
        assert_eq!(seen(core_error(UniqueKey::Username)), conflict(Entity::User, "Username already taken"));
        assert_eq!(seen(core_error(UniqueKey::RoleType)), conflict(Entity::Role, "A role of this type already exists"));
        for unexpected in [UniqueKey::UserDocumentId, UniqueKey::ResetTokenHash, UniqueKey::Unknown] {
            assert!(matches!(core_error(unexpected), CoreError::Internal(_)), "{unexpected:?}");
        }
    }
}
