//! The values every layer passes around, parsed once where they enter Gatehouse: ids that
//! cannot be mixed up, and names that are known to be valid (and normalised) once built.
//! Storage rebuilds them from what it stored with `from_stored`, without checking again: what
//! was stored was parsed on the way in, perhaps under an older, looser rule that must not make
//! the record unreadable.

mod action;
mod domain_name;
mod email;
mod ids;
mod session_id;
mod text_value;
mod username;

pub use action::Action;
pub use domain_name::DomainName;
pub use email::Email;
pub use ids::{DomainId, RoleId, UserId};
pub use session_id::SessionId;
pub use username::Username;

use crate::error::CoreError;

/// Why a text is not a valid value, in the words the APIs answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(String);

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl From<ParseError> for CoreError {
    fn from(e: ParseError) -> Self {
        CoreError::invalid(e.0)
    }
}
