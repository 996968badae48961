//! The admin schema as introspection describes it: the standard introspection query and the
//! parts of its answer the CLI needs.

use serde::Deserialize;
use serde_json::Value;

/// The standard introspection query, with type references followed seven levels deep.
pub const QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      kind name description
      fields(includeDeprecated: true) {
        name description
        args { name description type { ...TypeRef } defaultValue }
        type { ...TypeRef }
      }
      inputFields { name description type { ...TypeRef } defaultValue }
      enumValues(includeDeprecated: true) { name description }
      possibleTypes { kind name }
    }
  }
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    InputObject,
    List,
    NonNull,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    pub query_type: Option<Named>,
    pub mutation_type: Option<Named>,
    pub subscription_type: Option<Named>,
    pub types: Vec<FullType>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FullType {
    pub kind: Kind,
    pub name: String,
    pub description: Option<String>,
    pub fields: Option<Vec<Field>>,
    pub input_fields: Option<Vec<InputValue>>,
    pub enum_values: Option<Vec<EnumValue>>,
    pub possible_types: Option<Vec<TypeRef>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    pub name: String,
    pub description: Option<String>,
    pub args: Vec<InputValue>,
    #[serde(rename = "type")]
    pub ty: TypeRef,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputValue {
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    pub default_value: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EnumValue {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeRef {
    pub kind: Kind,
    pub name: Option<String>,
    pub of_type: Option<Box<TypeRef>>,
}

impl TypeRef {
    /// The named type inside the wrappers.
    pub fn named(&self) -> &str {
        match (&self.name, &self.of_type) {
            (Some(name), _) => name,
            (None, Some(inner)) => inner.named(),
            (None, None) => "",
        }
    }

    /// Required: the type starts with NON_NULL.
    pub fn is_required(&self) -> bool {
        self.kind == Kind::NonNull
    }

    /// A list, once the outer NON_NULL is removed.
    pub fn is_list(&self) -> bool {
        match self.kind {
            Kind::NonNull => self.of_type.as_ref().is_some_and(|t| t.is_list()),
            kind => kind == Kind::List,
        }
    }

    /// As GraphQL writes it: `[String!]!`.
    pub fn display(&self) -> String {
        match (self.kind, &self.of_type) {
            (Kind::NonNull, Some(inner)) => format!("{}!", inner.display()),
            (Kind::List, Some(inner)) => format!("[{}]", inner.display()),
            _ => self.named().to_string(),
        }
    }
}

/// The schema out of a GraphQL response to [`QUERY`].
pub fn parse(response: &Value) -> Result<Schema, String> {
    let schema = response
        .get("data")
        .and_then(|d| d.get("__schema"))
        .ok_or_else(|| format!("the server's introspection answer has no schema: {response}"))?;
    Schema::deserialize(schema).map_err(|e| format!("unexpected introspection answer: {e}"))
}
