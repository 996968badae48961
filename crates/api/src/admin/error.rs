//! Core errors as the admin API answers them: HTTP 200, the field null, and an error with
//! MongooseIM-style `extensions.code` (plus context such as the domain or the user).
//! This is the one place where the admin API names errors.

use async_graphql::ErrorExtensions;

use gatehouse_core::{CoreError, Entity};

/// The `extensions.code` and message of a core error.
pub fn code_and_message(error: &CoreError) -> (&'static str, String) {
    let code = match error {
        CoreError::NotFound { entity: Entity::Domain, .. } => "domain_not_found",
        CoreError::NotFound { entity: Entity::User, .. } => "user_does_not_exist",
        CoreError::NotFound { entity: Entity::Role, .. } => "role_not_found",
        CoreError::NotFound { entity: Entity::Session, .. } => "no_session",
        CoreError::NotFound { .. } => "not_found",
        CoreError::Conflict { entity: Entity::Domain, .. } => "duplicate",
        CoreError::Conflict { .. } => "exists",
        CoreError::StaticDomain => "static",
        CoreError::DomainDisabled => "domain_disabled",
        CoreError::Invalid(_) => "invalid_input",
        CoreError::InvalidCredentials => "wrong_credentials",
        CoreError::Refused(_) => "not_allowed",
        CoreError::Forbidden => "no_permissions",
        CoreError::RateLimited => "rate_limited",
        CoreError::InvalidRefreshToken => "invalid_token",
        CoreError::Internal(e) => {
            tracing::error!(error = format!("{e:#}"), "internal error in the admin API");
            return ("internal_server_error", "Internal Server Error".to_string());
        }
    };
    (code, error.to_string())
}

pub fn admin_error(error: CoreError) -> async_graphql::Error {
    let (code, message) = code_and_message(&error);
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

/// `Result` of the admin API's resolvers.
pub type AdminResult<T> = async_graphql::Result<T>;

pub trait OrAdmin<T> {
    /// Maps the core error once, for every resolver of the admin API.
    fn or_admin(self) -> AdminResult<T>;
    /// The same, with one item of context in `extensions` (`domain`, `user`, ...).
    fn or_admin_about(self, key: &str, value: impl std::fmt::Display) -> AdminResult<T>;
}

impl<T> OrAdmin<T> for Result<T, CoreError> {
    fn or_admin(self) -> AdminResult<T> {
        self.map_err(admin_error)
    }

    fn or_admin_about(self, key: &str, value: impl std::fmt::Display) -> AdminResult<T> {
        self.map_err(|e| admin_error(e).extend_with(|_, ext| ext.set(key, value.to_string())))
    }
}
