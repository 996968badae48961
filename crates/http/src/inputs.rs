//! Bounds on what a request can hand to the parser and the resolvers, checked before either
//! runs: how deeply the query text nests, and for every input value (argument literals,
//! variable defaults, variables) how deeply it nests, how long its lists are and whether its
//! text holds a NUL. Recursive code further on (the parser, async-graphql's input coercion,
//! the filter compiler) then never sees more than it can handle on a worker's stack, and
//! PostgreSQL, which refuses NUL in text, never sees one.

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationDefinition, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Positioned, Value as ConstValue, Variables};
use async_graphql_value::Value;

/// The bounds of one listener (from `[listen.limits]`).
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// Levels of lists and objects inside one value: `{not: {not: {}}}` is 3.
    pub depth: usize,
    /// Items in one list value.
    pub list_items: usize,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    TextNesting(usize),
    Depth(usize),
    ListItems(usize),
    Nul,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TextNesting(max) => write!(f, "The query nests brackets deeper than {max} levels"),
            Self::Depth(max) => write!(f, "An input value is nested deeper than {max} levels"),
            Self::ListItems(max) => write!(f, "An input list has more than {max} items"),
            Self::Nul => f.write_str("Text input must not contain NUL characters"),
        }
    }
}

/// The deepest nesting of `{`, `[` and `(` in a GraphQL document, outside strings and
/// comments; stops counting once past `max`. Linear and allocation-free, so it can run
/// before the parser, whose recursion a deep document would otherwise exhaust.
pub fn check_text_nesting(query: &str, max: usize) -> Result<(), InputError> {
    let bytes = query.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(InputError::TextNesting(max));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                // Block string: ends at the next `"""` not escaped as `\"""`.
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Every input value written in the document: arguments, directive arguments and variable
/// defaults, in every operation and fragment (unused ones too: validation reads them all).
pub fn check_document(document: &ExecutableDocument, limits: InputLimits) -> Result<(), InputError> {
    for (_, operation) in document.operations.iter() {
        check_operation(&operation.node, limits)?;
    }
    for fragment in document.fragments.values() {
        check_directives(&fragment.node.directives, limits)?;
        check_selections(&fragment.node.selection_set.node, limits)?;
    }
    Ok(())
}

pub fn check_variables(variables: &Variables, limits: InputLimits) -> Result<(), InputError> {
    variables.values().try_for_each(|value| check_const(value, limits, 1))
}

fn check_operation(operation: &OperationDefinition, limits: InputLimits) -> Result<(), InputError> {
    for definition in &operation.variable_definitions {
        let VariableDefinition { directives, default_value, .. } = &definition.node;
        check_directives(directives, limits)?;
        if let Some(default) = default_value {
            check_const(&default.node, limits, 1)?;
        }
    }
    check_directives(&operation.directives, limits)?;
    check_selections(&operation.selection_set.node, limits)
}

/// Selection sets nest no deeper than the query text, which is already bounded.
fn check_selections(set: &SelectionSet, limits: InputLimits) -> Result<(), InputError> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                for (_, value) in &field.node.arguments {
                    check_value(&value.node, limits, 1)?;
                }
                check_directives(&field.node.directives, limits)?;
                check_selections(&field.node.selection_set.node, limits)?;
            }
            Selection::FragmentSpread(spread) => check_directives(&spread.node.directives, limits)?,
            Selection::InlineFragment(fragment) => {
                check_directives(&fragment.node.directives, limits)?;
                check_selections(&fragment.node.selection_set.node, limits)?;
            }
        }
    }
    Ok(())
}

fn check_directives(directives: &[Positioned<Directive>], limits: InputLimits) -> Result<(), InputError> {
    for directive in directives {
        for (_, value) in &directive.node.arguments {
            check_value(&value.node, limits, 1)?;
        }
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), InputError> {
    if text.contains('\0') { Err(InputError::Nul) } else { Ok(()) }
}

fn check_list_len(len: usize, limits: InputLimits) -> Result<(), InputError> {
    if len > limits.list_items { Err(InputError::ListItems(limits.list_items)) } else { Ok(()) }
}

/// `depth` is the level of `value` itself; the recursion stops one past the bound.
fn check_value(value: &Value, limits: InputLimits, depth: usize) -> Result<(), InputError> {
    match value {
        Value::String(text) => check_text(text),
        Value::List(items) => {
            nested(depth, limits)?;
            check_list_len(items.len(), limits)?;
            items.iter().try_for_each(|item| check_value(item, limits, depth + 1))
        }
        Value::Object(fields) => {
            nested(depth, limits)?;
            fields.iter().try_for_each(|(name, field)| {
                check_text(name)?;
                check_value(field, limits, depth + 1)
            })
        }
        _ => Ok(()),
    }
}

fn check_const(value: &ConstValue, limits: InputLimits, depth: usize) -> Result<(), InputError> {
    match value {
        ConstValue::String(text) => check_text(text),
        ConstValue::List(items) => {
            nested(depth, limits)?;
            check_list_len(items.len(), limits)?;
            items.iter().try_for_each(|item| check_const(item, limits, depth + 1))
        }
        ConstValue::Object(fields) => {
            nested(depth, limits)?;
            fields.iter().try_for_each(|(name, field)| {
                check_text(name)?;
                check_const(field, limits, depth + 1)
            })
        }
        _ => Ok(()),
    }
}

fn nested(depth: usize, limits: InputLimits) -> Result<(), InputError> {
    if depth > limits.depth { Err(InputError::Depth(limits.depth)) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: InputLimits = InputLimits { depth: 4, list_items: 3 };

    fn document(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap()
    }

    #[test]
    fn text_nesting_skips_strings_and_comments() {
        assert!(check_text_nesting("{ a { b { c } } }", 3).is_ok());
        assert_eq!(check_text_nesting("{ a { b { c { d } } } }", 3), Err(InputError::TextNesting(3)));
        assert!(check_text_nesting(r#"{ a(s: "{{{{[[[[") }"#, 2).is_ok());
        assert!(check_text_nesting(r#"{ a(s: "\"{{{{") }"#, 2).is_ok());
        assert!(check_text_nesting("{ a(s: \"\"\"{{{{ \\\"\"\" {{{{\"\"\") }", 2).is_ok());
        assert!(check_text_nesting("{ a # {{{{{{\n }", 1).is_ok());
        assert_eq!(check_text_nesting(&"[".repeat(100_000), 64), Err(InputError::TextNesting(64)));
    }

    #[test]
    fn values_in_arguments_directives_and_defaults() {
        assert!(check_document(&document("{ a(f: {x: {y: [1]}}) }"), LIMITS).is_ok());
        let deep = "{ a(f: {x: {y: {z: [[1]]}}}) }";
        assert_eq!(check_document(&document(deep), LIMITS), Err(InputError::Depth(4)));
        let directive = "query { a @include(if: true) @x(v: [[[[[1]]]]]) }";
        assert_eq!(check_document(&document(directive), LIMITS), Err(InputError::Depth(4)));
        let default = "query($v: [Int] = [1, 2, 3, 4]) { a }";
        assert_eq!(check_document(&document(default), LIMITS), Err(InputError::ListItems(3)));
        let fragment = "query { ...F } fragment F on Q { a(s: \"x\\u0000\") }";
        assert_eq!(check_document(&document(fragment), LIMITS), Err(InputError::Nul));
    }

    #[test]
    fn variables() {
        let vars = |json: serde_json::Value| Variables::from_json(json);
        assert!(check_variables(&vars(serde_json::json!({"f": {"a": [1, 2, 3]}})), LIMITS).is_ok());
        let deep = vars(serde_json::json!({"f": {"not": {"not": {"not": {"not": {}}}}}}));
        assert_eq!(check_variables(&deep, LIMITS), Err(InputError::Depth(4)));
        assert_eq!(
            check_variables(&vars(serde_json::json!({"l": [1, 2, 3, 4]})), LIMITS),
            Err(InputError::ListItems(3))
        );
        assert_eq!(check_variables(&vars(serde_json::json!({"s": "a\u{0}b"})), LIMITS), Err(InputError::Nul));
        assert_eq!(check_variables(&vars(serde_json::json!({"o": {"k\u{0}": 1}})), LIMITS), Err(InputError::Nul));
    }
}
