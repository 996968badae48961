//! `--name value` arguments of a command, converted to GraphQL variables by their types:
//! Int, Float and Boolean converted, enums checked, input objects and lists as JSON, every
//! other scalar passed as a string.

use serde_json::{Map, Value};

use super::catalog::{Catalog, Command, Operation};
use super::introspection::{InputValue, Kind};

/// What was wrong with the arguments; each message names the command, as mongooseimctl does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// A value without a `--name`, or a `--name` without a value.
    Unparsable,
    Unknown {
        arg: String,
        command: String,
    },
    Invalid {
        value: String,
        arg: String,
        command: String,
    },
    Missing {
        args: Vec<String>,
        command: String,
    },
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArgError::Unparsable => write!(f, "Could not parse the command arguments"),
            ArgError::Unknown { arg, command } => write!(f, "Unknown argument '{arg}' for command '{command}'"),
            ArgError::Invalid { value, arg, command } => {
                write!(f, "Invalid value '{value}' of argument '{arg}' for command '{command}'")
            }
            ArgError::Missing { args, command } => {
                let names: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
                write!(f, "Missing mandatory arguments for command '{command}': {}", names.join(", "))
            }
        }
    }
}

/// The arguments of one invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    pub variables: Map<String, Value>,
    /// Subscriptions: stop after this many events.
    pub limit: Option<u64>,
}

/// `--name value` or `--name=value` pairs.
pub fn pairs(tokens: &[String]) -> Result<Vec<(String, String)>, ArgError> {
    let mut pairs = Vec::new();
    let mut tokens = tokens.iter();
    while let Some(token) = tokens.next() {
        let name = token.strip_prefix("--").filter(|n| !n.is_empty()).ok_or(ArgError::Unparsable)?;
        match name.split_once('=') {
            Some((name, value)) => pairs.push((name.to_string(), value.to_string())),
            None => pairs.push((name.to_string(), tokens.next().ok_or(ArgError::Unparsable)?.clone())),
        }
    }
    Ok(pairs)
}

pub fn parse(catalog: &Catalog, command: &Command, tokens: &[String]) -> Result<Invocation, ArgError> {
    let mut invocation = Invocation::default();
    for (name, value) in pairs(tokens)? {
        let invalid = || ArgError::Invalid { value: value.clone(), arg: name.clone(), command: command.name.clone() };
        if command.operation == Operation::Subscription && name == "limit" {
            invocation.limit = Some(value.parse().map_err(|_| invalid())?);
        }
        let Some(arg) = command.arg(&name) else {
            if command.operation == Operation::Subscription && name == "limit" {
                continue;
            }
            return Err(ArgError::Unknown { arg: name, command: command.name.clone() });
        };
        let converted = convert(catalog, arg, &value).ok_or_else(invalid)?;
        invocation.variables.insert(name, converted);
    }
    let missing: Vec<String> = command
        .args
        .iter()
        .filter(|a| a.ty.is_required() && a.default_value.is_none() && !invocation.variables.contains_key(&a.name))
        .map(|a| a.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(ArgError::Missing { args: missing, command: command.name.clone() });
    }
    Ok(invocation)
}

/// The JSON value of `value` for `arg`, or None when it does not fit the type.
fn convert(catalog: &Catalog, arg: &InputValue, value: &str) -> Option<Value> {
    let named = catalog.type_named(arg.ty.named());
    let kind = named.map(|t| t.kind).unwrap_or(Kind::Scalar);
    if arg.ty.is_list() {
        return serde_json::from_str::<Value>(value).ok().filter(|v| v.is_array() || v.is_null());
    }
    match kind {
        Kind::InputObject => serde_json::from_str::<Value>(value).ok().filter(|v| v.is_object() || v.is_null()),
        Kind::Enum => {
            let known = named.and_then(|t| t.enum_values.as_ref())?;
            known.iter().any(|v| v.name == value).then(|| Value::String(value.to_string()))
        }
        _ => match arg.ty.named() {
            "Int" | "PosInt" | "NonNegInt" => value.parse::<i64>().ok().map(Value::from),
            "Float" => value.parse::<f64>().ok().map(Value::from),
            "Boolean" => value.parse::<bool>().ok().map(Value::Bool),
            "JSON" => serde_json::from_str(value).ok(),
            _ => Some(Value::String(value.to_string())),
        },
    }
}
