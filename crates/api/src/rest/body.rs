//! Request bodies as Strapi's body parser leaves them (JSON, or a form read like a query
//! string, other text as a string, nothing as `{}`), and their fields read with yup's type
//! errors. Rules about the values themselves belong to the core; this only decodes.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use super::error::{FieldProblem, RestError};
use super::qs::Qs;
use gatehouse_core::CoreError;

/// Fields whose value is never repeated in an answer, not even in an error.
const SECRETS: &[&str] = &["password", "currentPassword", "passwordConfirmation", "code", "confirmation"];

fn is_secret(name: &str) -> bool {
    SECRETS.contains(&name)
}

/// Reads a body of at most `limit` bytes.
pub async fn read(headers: &HeaderMap, body: Body, limit: usize) -> Result<Value, RestError> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| RestError::payload_too_large())?;
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime: Option<mime::Mime> = content_type.parse().ok();
    let essence = mime.as_ref().map(|m| (m.type_(), m.subtype(), m.suffix()));
    match essence {
        Some((mime::APPLICATION, mime::JSON, _)) | Some((mime::APPLICATION, _, Some(mime::JSON))) => {
            serde_json::from_slice(&bytes).map_err(|e| RestError::syntax(json_message(&e, &bytes)))
        }
        Some((mime::APPLICATION, mime::WWW_FORM_URLENCODED, _)) => {
            Ok(Qs::parse(&String::from_utf8_lossy(&bytes)).to_json())
        }
        _ => Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
    }
}

/// The JSON parser's complaint in JavaScript's words, which Strapi repeats.
fn json_message(error: &serde_json::Error, bytes: &[u8]) -> String {
    if error.is_eof() {
        return "Unexpected end of JSON input".into();
    }
    let position = byte_position(bytes, error.line(), error.column());
    match std::str::from_utf8(&bytes[position.min(bytes.len())..]).ok().and_then(|rest| rest.chars().next()) {
        Some(token) => format!("Unexpected token {token} in JSON at position {position}"),
        None => format!("Unexpected token in JSON at position {position}"),
    }
}

/// The offset of the 1-based `line` and `column` serde_json reports (the column is the
/// offending byte's, counted from 1).
fn byte_position(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = bytes.split(|b| *b == b'\n').take(line.saturating_sub(1)).map(|l| l.len() + 1).sum();
    line_start + column.saturating_sub(1)
}

/// yup's rendering of a value inside a message.
fn printed(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

/// The fields of a body that must be an object, read one by one; type problems are collected
/// and reported together by [`Fields::finish`].
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    problems: Vec<FieldProblem>,
    absent: Vec<String>,
}

impl<'a> Fields<'a> {
    /// The body as an object, or yup's refusal of anything else (never repeating the body:
    /// it may hold a password).
    pub fn of(body: &'a Value) -> Result<Self, RestError> {
        match body {
            Value::Object(object) => Ok(Self { object, problems: Vec::new(), absent: Vec::new() }),
            _ => Err(RestError::fields(vec![FieldProblem {
                path: Vec::new(),
                message: "this must be a `object` type".into(),
                value: None,
            }])),
        }
    }

    /// The keys of the body not in `known`, in the body's order.
    pub fn unknown(&self, known: &[&str]) -> Vec<String> {
        self.object.keys().filter(|k| !known.contains(&k.as_str())).cloned().collect()
    }

    /// yup's `noUnknown`: every key of the body must be in `known`. The refusal repeats the
    /// body, its secrets left out.
    pub fn refuse_unknown(&self, known: &[&str]) -> Result<(), RestError> {
        let unknown = self.unknown(known);
        if unknown.is_empty() {
            return Ok(());
        }
        let shown: Map<String, Value> =
            self.object.iter().filter(|(k, _)| !is_secret(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        Err(RestError::fields(vec![FieldProblem {
            path: Vec::new(),
            message: format!("this field has unspecified keys: {}", unknown.join(", ")),
            value: Some(Value::Object(shown)),
        }]))
    }

    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name)
    }

    /// A text field; absent or null is `None`.
    pub fn text(&mut self, name: &str) -> Option<String> {
        match self.object.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => {
                self.wrong_type(name, "string", other);
                None
            }
        }
    }

    /// A text field that is required: absent or null is `""`, which the core refuses with its
    /// own message.
    pub fn required_text(&mut self, name: &str) -> String {
        if matches!(self.object.get(name), None | Some(Value::Null)) {
            self.absent.push(name.to_string());
        }
        self.text(name).unwrap_or_default()
    }

    /// A boolean; a form sends it as `true` or `false`.
    pub fn flag(&mut self, name: &str) -> Option<bool> {
        match self.object.get(name)? {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) if text == "true" => Some(true),
            Value::String(text) if text == "false" => Some(false),
            Value::Null => None,
            other => {
                self.wrong_type(name, "boolean", other);
                None
            }
        }
    }

    fn wrong_type(&mut self, name: &str, expected: &str, given: &Value) {
        let problem = if is_secret(name) {
            FieldProblem {
                path: vec![name.into()],
                message: format!("{name} must be a `{expected}` type"),
                value: None,
            }
        } else {
            FieldProblem {
                path: vec![name.into()],
                message: format!("{name} must be a `{expected}` type, but the final value was: `{}`.", printed(given)),
                value: Some(given.clone()),
            }
        };
        self.problems.push(problem);
    }

    /// `Err` with every type problem found so far; else what the body left out.
    pub fn finish(self) -> Result<Given, RestError> {
        if self.problems.is_empty() { Ok(Given { absent: self.absent }) } else { Err(RestError::fields(self.problems)) }
    }
}

/// The required fields an input left out. The core reads them as empty; yup, whose answers
/// Strapi gives, shows no `value` for a field that was not sent.
#[derive(Debug, Default)]
pub struct Given {
    absent: Vec<String>,
}

impl Given {
    /// `name` was left out when `absent`.
    pub fn absent_when(absent: bool, name: &str) -> Self {
        Self { absent: if absent { vec![name.to_string()] } else { Vec::new() } }
    }

    /// The answer to a core error about this input.
    pub fn answer(&self, error: CoreError) -> RestError {
        let mut answer = RestError::from(error);
        let errors = answer.details.as_mut().and_then(|d| d.get_mut("errors")).and_then(Value::as_array_mut);
        for error in errors.into_iter().flatten() {
            let field = error["path"].as_array().and_then(|path| path.first()).and_then(Value::as_str);
            if field.is_some_and(|field| self.absent.iter().any(|a| a == field))
                && let Some(error) = error.as_object_mut()
            {
                error.remove("value");
            }
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn javascript_messages_for_bad_json() {
        let error = serde_json::from_slice::<Value>(b"{\"username\":").unwrap_err();
        assert_eq!(json_message(&error, b"{\"username\":"), "Unexpected end of JSON input");
        let text = b"{\"a\":1,\n x}";
        let error = serde_json::from_slice::<Value>(text).unwrap_err();
        assert_eq!(json_message(&error, text), "Unexpected token x in JSON at position 9");
    }

    #[test]
    fn types_are_checked_and_secrets_never_repeated() {
        let body = json!({ "email": 5, "password": 12345678, "confirmed": "true", "x": 1 });
        let mut fields = Fields::of(&body).unwrap();
        assert_eq!(fields.text("email"), None);
        assert_eq!(fields.text("password"), None);
        assert_eq!(fields.flag("confirmed"), Some(true));
        assert_eq!(fields.unknown(&["email", "password", "confirmed"]), ["x"]);
        let error = fields.finish().err().unwrap();
        assert_eq!(error.message, "2 errors occurred");
        let details = error.details.unwrap();
        assert_eq!(details["errors"][0]["message"], "email must be a `string` type, but the final value was: `5`.");
        assert_eq!(details["errors"][0]["value"], 5);
        assert_eq!(details["errors"][1]["message"], "password must be a `string` type");
        assert!(details["errors"][1].get("value").is_none());
        let refusal =
            Fields::of(&json!({ "password": "p", "x": 1 })).unwrap().refuse_unknown(&["password"]).unwrap_err();
        assert_eq!(refusal.details.unwrap()["errors"][0]["value"], json!({ "x": 1 }));
        assert!(Fields::of(&json!("text")).is_err());
    }

    #[test]
    fn a_field_left_out_shows_no_value() {
        let body = json!({ "email": "" });
        let mut fields = Fields::of(&body).unwrap();
        fields.required_text("email");
        fields.required_text("username");
        let given = fields.finish().unwrap();
        let fields = vec![
            gatehouse_core::validation::FieldError::new("email", "email is a required field", ""),
            gatehouse_core::validation::FieldError::new("username", "username is a required field", ""),
        ];
        let answer = given.answer(CoreError::Invalid(fields.into()));
        let errors = &answer.details.unwrap()["errors"];
        assert_eq!(errors[0]["value"], "", "sent empty");
        assert!(errors[1].get("value").is_none(), "not sent");
    }
}
