//! Reading a GraphQL request from a POST body or a GET query string, with the checks of
//! the GraphQL-over-HTTP spec and the MongooseIM error codes.

use std::collections::HashMap;

use async_graphql::Variables;
use axum::http::StatusCode;
use serde_json::Value;

use super::rejection::Rejection;

/// The parameters of one GraphQL request, before execution.
#[derive(Debug, Default)]
pub struct Params {
    pub query: String,
    pub operation_name: Option<String>,
    pub variables: Variables,
    pub extensions: HashMap<String, Value>,
}

impl Params {
    pub fn into_request(self) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query).variables(self.variables);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        request
    }
}

fn no_query() -> Rejection {
    Rejection::bad_request("no_query_supplied", "The query was not supplied in the request body")
}

fn invalid_variables() -> Rejection {
    Rejection::bad_request("variables_invalid_json", "The variables' JSON is invalid")
}

/// `variables` may be an object, a JSON string of an object, or null.
fn variables(value: Option<Value>) -> Result<Variables, Rejection> {
    match value {
        None | Some(Value::Null) => Ok(Variables::default()),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(Variables::default()),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(value @ (Value::Object(_) | Value::Null)) => variables(Some(value)),
            _ => Err(invalid_variables()),
        },
        Some(value @ Value::Object(_)) => Ok(Variables::from_json(value)),
        Some(_) => Err(invalid_variables()),
    }
}

fn invalid_extensions() -> Rejection {
    Rejection::bad_request("invalid_extensions", "The extensions must be a JSON object")
}

fn extensions(value: Option<Value>) -> Result<HashMap<String, Value>, Rejection> {
    match value {
        None | Some(Value::Null) => Ok(HashMap::new()),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(value @ (Value::Object(_) | Value::Null)) => extensions(Some(value)),
            _ => Err(invalid_extensions()),
        },
        Some(Value::Object(map)) => Ok(map.into_iter().collect()),
        Some(_) => Err(invalid_extensions()),
    }
}

fn operation_name(value: Option<Value>) -> Result<Option<String>, Rejection> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) if name.is_empty() => Ok(None),
        Some(Value::String(name)) => Ok(Some(name)),
        Some(_) => Err(Rejection::bad_request("invalid_operation_name", "The operationName must be a string")),
    }
}

fn check_query_size(query: &str, max_bytes: usize) -> Result<(), Rejection> {
    if query.len() > max_bytes {
        return Err(Rejection::graphql(
            StatusCode::PAYLOAD_TOO_LARGE,
            "query_too_large",
            format!("The query is longer than {max_bytes} bytes"),
        ));
    }
    Ok(())
}

/// A request names its document by its text or, with Apollo's persisted queries, by a hash
/// alone (`extensions.persistedQuery`).
fn with_query_or_hash(params: Params) -> Result<Params, Rejection> {
    if params.query.is_empty() && !params.extensions.contains_key("persistedQuery") {
        return Err(no_query());
    }
    Ok(params)
}

/// Whether a POST body is a JSON array (a batch of operations).
pub fn is_batch(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// A POST body, already checked to be JSON by its content type.
pub fn from_body(body: &[u8], max_query_bytes: usize) -> Result<Params, Rejection> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Rejection::bad_request("invalid_json_body", "The request body is not valid UTF-8"))?;
    let value: Value = serde_json::from_str(text)
        .map_err(|_| Rejection::bad_request("invalid_json_body", "The request JSON body is invalid"))?;
    let Value::Object(mut map) = value else {
        return Err(Rejection::bad_request("invalid_json_body", "The request JSON body must be an object"));
    };
    let query = match map.remove("query") {
        Some(Value::String(query)) if !query.trim().is_empty() => query,
        None | Some(Value::Null) => String::new(),
        _ => return Err(no_query()),
    };
    check_query_size(&query, max_query_bytes)?;
    with_query_or_hash(Params {
        query,
        operation_name: operation_name(map.remove("operationName"))?,
        variables: variables(map.remove("variables"))?,
        extensions: extensions(map.remove("extensions"))?,
    })
}

/// A GET query string: `query`, `variables` and `extensions` as JSON strings, `operationName`.
pub fn from_query_string(query_string: &str, max_query_bytes: usize) -> Result<Params, Rejection> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
        .map_err(|_| Rejection::bad_request("invalid_query_parameters", "The query string is invalid"))?;
    let mut map: HashMap<String, String> = pairs.into_iter().collect();
    let query = match map.remove("query") {
        Some(query) if !query.trim().is_empty() => query,
        None => String::new(),
        _ => return Err(no_query()),
    };
    check_query_size(&query, max_query_bytes)?;
    with_query_or_hash(Params {
        query,
        operation_name: operation_name(map.remove("operationName").map(Value::String))?,
        variables: variables(map.remove("variables").map(Value::String))?,
        extensions: extensions(map.remove("extensions").map(Value::String))?,
    })
}
