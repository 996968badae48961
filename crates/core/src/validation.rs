//! Why input was refused, in enough detail for an API to say where: the fields that broke a
//! rule (Strapi's `details.errors`), or the query key that was refused (`details.key`).
//! Every API maps these once to its own wire format.

use super::error::{CoreError, CoreResult};

/// One field that broke a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the input, e.g. `["password"]`.
    pub path: Vec<String>,
    pub message: String,
    /// What was given. Never kept for a secret such as a password.
    pub value: Option<String>,
}

impl FieldError {
    /// A field that may be shown back to the client as it was given.
    pub fn new(field: &str, message: impl Into<String>, value: &str) -> Self {
        Self { path: vec![field.to_string()], message: message.into(), value: Some(value.to_string()) }
    }

    /// A field shown back as it was given, unless it is too long to repeat or holds control
    /// characters (a terminal or a log would act on them).
    pub fn given(field: &str, message: impl Into<String>, value: &str) -> Self {
        let shown = value.chars().nth(crate::text::NAME_MAX_CHARS).is_none() && !value.chars().any(char::is_control);
        Self { path: vec![field.to_string()], message: message.into(), value: shown.then(|| value.to_string()) }
    }

    /// A secret field (a password, its confirmation): what was given is not kept, so that no
    /// answer or log can repeat it.
    pub fn secret(field: &str, message: impl Into<String>) -> Self {
        Self { path: vec![field.to_string()], message: message.into(), value: None }
    }
}

/// The query parameter a refused key was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryParam {
    Filters,
    Sort,
    /// The attributes to show (Strapi's REST `fields`).
    Fields,
    /// The relations to show (Strapi's REST `populate`).
    Populate,
}

impl QueryParam {
    pub fn name(self) -> &'static str {
        match self {
            QueryParam::Filters => "filters",
            QueryParam::Sort => "sort",
            QueryParam::Fields => "fields",
            QueryParam::Populate => "populate",
        }
    }
}

/// A key of `filters`, `sort`, `fields` or `populate` that names nothing that may be queried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidKey {
    /// The refused attribute name.
    pub key: String,
    /// Where it was found (`role.name`), or none when it names no attribute at all.
    pub path: Option<String>,
    pub param: QueryParam,
}

/// What a refusal says beyond its message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Details {
    #[default]
    None,
    Fields(Vec<FieldError>),
    Key(InvalidKey),
}

/// Input that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub message: String,
    pub details: Details,
}

impl From<Vec<FieldError>> for Invalid {
    /// Strapi's message: the one failure's, or how many there are.
    fn from(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => one.message.clone(),
            many => format!("{} errors occurred", many.len()),
        };
        Invalid { message, details: Details::Fields(fields) }
    }
}

impl From<FieldError> for CoreError {
    fn from(field: FieldError) -> Self {
        CoreError::Invalid(vec![field].into())
    }
}

impl From<InvalidKey> for CoreError {
    fn from(key: InvalidKey) -> Self {
        // Strapi names where a nested key was found.
        let message = match &key.path {
            Some(path) if *path != key.key => format!("Invalid key {} at {path}", key.key),
            _ => format!("Invalid key {}", key.key),
        };
        CoreError::Invalid(Invalid { message, details: Details::Key(key) })
    }
}

/// Collects the failing fields of one input, so that all of them are reported at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: FieldError) {
        self.0.push(field);
    }

    /// Keeps the failing fields of `result`; any other error is returned at once.
    pub fn add(&mut self, result: CoreResult<()>) -> CoreResult<()> {
        match result {
            Err(CoreError::Invalid(Invalid { details: Details::Fields(fields), .. })) => {
                self.0.extend(fields);
                Ok(())
            }
            other => other,
        }
    }

    /// `Err` with every failing field, when there is any.
    pub fn finish(self) -> CoreResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(CoreError::Invalid(self.0.into())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failure_gives_its_message_several_give_a_count() {
        let mut errors = FieldErrors::default();
        errors.push(FieldError::new("email", "email must be a valid email", "x"));
        let one = errors.finish().unwrap_err();
        assert_eq!(one.to_string(), "email must be a valid email");
        let mut errors = FieldErrors::default();
        errors.add(Err(one)).unwrap();
        errors.push(FieldError::secret("password", "password is a required field"));
        let CoreError::Invalid(invalid) = errors.finish().unwrap_err() else { panic!("not a validation error") };
        assert_eq!(invalid.message, "2 errors occurred");
        let Details::Fields(fields) = invalid.details else { panic!("no fields") };
        assert_eq!(fields[1].value, None, "a secret is never kept");
    }

    #[test]
    fn other_errors_pass_through_the_collector() {
        let mut errors = FieldErrors::default();
        assert!(matches!(errors.add(Err(CoreError::Forbidden)), Err(CoreError::Forbidden)));
        assert!(matches!(errors.add(Err(CoreError::invalid("plain"))), Err(CoreError::Invalid(_))));
        assert!(errors.finish().is_ok());
    }

    #[test]
    fn nested_keys_name_their_path() {
        let key = InvalidKey { key: "nope".into(), path: Some("role.nope".into()), param: QueryParam::Sort };
        assert_eq!(CoreError::from(key).to_string(), "Invalid key nope at role.nope");
        let key = InvalidKey { key: "password".into(), path: Some("password".into()), param: QueryParam::Sort };
        assert_eq!(CoreError::from(key).to_string(), "Invalid key password");
    }
}
