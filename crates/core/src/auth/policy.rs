//! A domain's password policy, as Strapi checks it: the body's rules (given, within the byte
//! limit), then the user model's (long enough).

use crate::error::CoreResult;
use crate::model::Domain;
use crate::validation::{FieldError, FieldErrors};

/// The first checks of a new password (change and reset), in Strapi's order: the
/// confirmation given and equal, then the password given and within the byte limit. The
/// failing fields are returned for the caller to add its own and report them all.
pub(crate) fn check_new_password(domain: &Domain, password: &str, confirmation: &str) -> CoreResult<FieldErrors> {
    let mut errors = FieldErrors::default();
    if confirmation.is_empty() {
        errors.push(FieldError::secret("passwordConfirmation", "passwordConfirmation is a required field"));
    } else if confirmation != password {
        errors.push(FieldError::secret("passwordConfirmation", "Passwords do not match"));
    }
    errors.add(check_password_given(domain, "password", password))?;
    Ok(errors)
}

/// The domain's password policy: long enough, and not over the byte limit.
pub fn validate_password(domain: &Domain, password: &str) -> CoreResult<()> {
    let mut errors = FieldErrors::default();
    errors.add(check_password_length(domain, "password", password))?;
    errors.add(check_password_bytes(domain, "password", password))?;
    errors.finish()
}

/// A password is required, and within the domain's byte limit (Strapi's body rules).
pub(crate) fn check_password_given(domain: &Domain, field: &str, password: &str) -> CoreResult<()> {
    if password.is_empty() {
        return Err(FieldError::secret(field, format!("{field} is a required field")).into());
    }
    check_password_bytes(domain, field, password)
}

fn check_password_bytes(domain: &Domain, field: &str, password: &str) -> CoreResult<()> {
    let max = domain.settings.password_max_bytes;
    if password.len() > max as usize {
        return Err(FieldError::secret(field, format!("Password must be less than {} bytes", max + 1)).into());
    }
    Ok(())
}

/// The domain's minimum length, in characters (Strapi's user model rule).
pub(crate) fn check_password_length(domain: &Domain, field: &str, password: &str) -> CoreResult<()> {
    let min = domain.settings.password_min_length;
    if password.chars().count() < min as usize {
        return Err(FieldError::secret(field, format!("{field} must be at least {min} characters")).into());
    }
    Ok(())
}
