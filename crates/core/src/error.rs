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
    #[error("duplicate")]
    Duplicate,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => CoreError::conflict(Entity::User, "Email or Username are already taken"),
            StoreError::Other(e) => CoreError::Internal(e),
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
pub type StoreResult<T> = Result<T, StoreError>;
