//! Bounds on the text Gatehouse stores, checked before anything is stored. Names follow
//! Strapi's columns (`varchar(255)`), so a record moved from or to Strapi fits either way;
//! emails follow RFC 5321; URLs get room for what a front end really sends. (Email templates
//! have their own bounds, in `mail`.)

use super::error::CoreResult;
use super::validation::FieldError;

/// Usernames, role names, descriptions and types, providers, permission actions.
pub const NAME_MAX_CHARS: usize = 255;
/// RFC 5321: a forward-path holds at most 254 octets of address.
pub const EMAIL_MAX_BYTES: usize = 254;
/// Redirection URLs of a domain's settings.
pub const URL_MAX_BYTES: usize = 2048;
/// Free text an admin attaches to an action (a ban's reason).
pub const REASON_MAX_CHARS: usize = 1000;

/// A field that broke a bound. What was given is not repeated: it may be a megabyte long, or
/// hold bytes a terminal would act on.
fn refused(field: &str, message: String) -> CoreResult<()> {
    Err(FieldError { path: vec![field.to_string()], message, value: None }.into())
}

/// `Err` when `value` is longer than `max` characters, in yup's words as Strapi answers.
pub fn check_chars(field: &str, value: &str, max: usize) -> CoreResult<()> {
    // Counting stops one past the bound: a megabyte of text costs no more than the bound.
    if value.chars().nth(max).is_some() {
        return refused(field, format!("{field} must be at most {max} characters"));
    }
    Ok(())
}

pub fn check_bytes(field: &str, value: &str, max: usize) -> CoreResult<()> {
    if value.len() > max {
        return refused(field, format!("{field} must be at most {max} bytes"));
    }
    Ok(())
}

/// Identifiers (usernames, emails) never hold control characters: they are shown, logged and
/// compared, and PostgreSQL refuses NUL in text.
pub fn check_no_control(field: &str, value: &str) -> CoreResult<()> {
    if value.chars().any(char::is_control) {
        return refused(field, format!("{field} must not contain control characters"));
    }
    Ok(())
}

/// Free text may hold line breaks and tabs, never NUL.
pub fn check_no_nul(field: &str, value: &str) -> CoreResult<()> {
    if value.contains('\0') {
        return refused(field, format!("{field} must not contain NUL characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(check_chars("username", &"é".repeat(255), NAME_MAX_CHARS).is_ok());
        let long = check_chars("username", &"é".repeat(256), NAME_MAX_CHARS).unwrap_err();
        assert_eq!(long.to_string(), "username must be at most 255 characters");
        assert!(check_bytes("email", &"a".repeat(255), EMAIL_MAX_BYTES).is_err());
        assert!(check_no_control("username", "al\u{7}ice").is_err());
        assert!(check_no_control("username", "al\nice").is_err());
        assert!(check_no_nul("text", "line\nline\t").is_ok());
        assert!(check_no_nul("text", "a\0").is_err());
    }
}
