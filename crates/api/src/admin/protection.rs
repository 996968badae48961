//! Who may call what in the admin schema (SPEC §4.1, MongooseIM's `@protected`).
//!
//! Each field declares its protection next to its definition with the `@protected(type:, args:)`
//! directive; it shows in the SDL. At start the SDL is parsed back into a [`ProtectionTable`]
//! (one source of truth, read by the same reader as the docs: `gatehouse_http::protection`),
//! and before anything executes [`ProtectionTable::check`] walks the selected operation
//! (fields, fragment spreads, inline fragments) and refuses the whole request when one field is
//! denied.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, Value, Variables};

use super::scalars;
use gatehouse_http::protection::InvalidProtection;
pub use gatehouse_http::protection::{ProtectedType, Protection, protected};

/// The caller as the check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clearance {
    Unauthenticated,
    GlobalAdmin,
    DomainAdmin(String),
}

#[derive(Debug, Clone)]
pub struct FieldInfo {
    /// The named type the field returns (lists and non-null unwrapped).
    pub returns: String,
    pub protection: Option<Protection>,
    pub args: HashMap<String, Type>,
}

#[derive(Debug, Clone, Default)]
pub struct ObjectInfo {
    /// `@protected` on the type itself: only authenticated admins may select into it.
    pub protected: bool,
    pub fields: HashMap<String, FieldInfo>,
}

/// Why a request is refused before execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A value does not fit its scalar (HTTP 400 `input_coercion`).
    Coercion { message: String },
    /// Not authenticated, global admin required, or an argument outside the admin's domain
    /// (HTTP 401 `no_permissions`).
    Denied { message: String, path: Vec<String>, invalid_args: Vec<String>, global: bool },
}

/// Every object and input type of the admin schema, with the protection of each field.
#[derive(Debug, Clone, Default)]
pub struct ProtectionTable {
    query: String,
    mutation: Option<String>,
    subscription: Option<String>,
    objects: HashMap<String, ObjectInfo>,
    inputs: HashMap<String, HashMap<String, Type>>,
    /// The root types and the category types (the types of the root fields but the open
    /// ones): every field of these must declare its protection.
    operation_types: HashSet<String>,
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

impl ProtectionTable {
    /// Reads the table back from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Result<Self, String> {
        let document = async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
        let mut table = ProtectionTable::default();
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    table.query = schema.query.map(|n| n.node.to_string()).unwrap_or_default();
                    table.mutation = schema.mutation.map(|n| n.node.to_string());
                    table.subscription = schema.subscription.map(|n| n.node.to_string());
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    match ty.kind {
                        TypeKind::Object(object) => {
                            let fields = object
                                .fields
                                .into_iter()
                                .map(|f| {
                                    let f = f.node;
                                    let info = FieldInfo {
                                        returns: named(&f.ty.node).to_string(),
                                        protection: Protection::from_directives(&f.directives)?,
                                        args: f
                                            .arguments
                                            .into_iter()
                                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                                            .collect(),
                                    };
                                    Ok((f.name.node.to_string(), info))
                                })
                                .collect::<Result<_, InvalidProtection>>()
                                .map_err(|e| e.to_string())?;
                            let is_protected =
                                Protection::from_directives(&ty.directives).map_err(|e| e.to_string())?.is_some();
                            let info = ObjectInfo { protected: is_protected, fields };
                            table.objects.insert(ty.name.node.to_string(), info);
                        }
                        TypeKind::InputObject(input) => {
                            let fields = input
                                .fields
                                .into_iter()
                                .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                                .collect();
                            table.inputs.insert(ty.name.node.to_string(), fields);
                        }
                        _ => {}
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        if table.query.is_empty() {
            return Err("the schema has no query root".into());
        }
        let roots: Vec<String> = std::iter::once(table.query.clone())
            .chain(table.mutation.clone())
            .chain(table.subscription.clone())
            .collect();
        for root in &roots {
            table.operation_types.insert(root.clone());
            if let Some(object) = table.objects.get(root) {
                // The categories; `checkAuth`'s answer is data, not a category.
                let categories = object.fields.values().filter(|f| f.protection != Some(Protection::Open));
                table.operation_types.extend(categories.map(|f| f.returns.clone()));
            }
        }
        table.operation_types.retain(|name| table.objects.contains_key(name));
        Ok(table)
    }

    pub fn root(&self, kind: OperationType) -> Option<&str> {
        match kind {
            OperationType::Query => Some(self.query.as_str()),
            OperationType::Mutation => self.mutation.as_deref(),
            OperationType::Subscription => self.subscription.as_deref(),
        }
    }

    pub fn object(&self, name: &str) -> Option<&ObjectInfo> {
        self.objects.get(name)
    }

    /// The fields of an input object type, with their types.
    pub fn input(&self, name: &str) -> Option<&HashMap<String, Type>> {
        self.inputs.get(name)
    }

    /// The root and category types, by name.
    pub fn operation_types(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.operation_types.iter().map(String::as_str).collect();
        names.sort();
        names
    }

    /// `Type.field` of every root or category field that declares no protection. The check
    /// treats them as GLOBAL; the test suite requires this list to be empty.
    pub fn unclassified(&self) -> Vec<String> {
        let mut missing: Vec<String> = self
            .operation_types
            .iter()
            .flat_map(|ty| {
                self.objects[ty]
                    .fields
                    .iter()
                    .filter(|(_, f)| f.protection.is_none())
                    .map(move |(name, _)| format!("{ty}.{name}"))
            })
            .collect();
        missing.sort();
        missing
    }

    /// `Type.field` of every field outside the root and category types that takes arguments:
    /// such a field would escape the check of the operation it is reached through.
    pub fn nested_fields_with_arguments(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .objects
            .iter()
            .filter(|(name, _)| !self.operation_types.contains(*name))
            .flat_map(|(ty, o)| {
                o.fields.iter().filter(|(_, f)| !f.args.is_empty()).map(move |(name, _)| format!("{ty}.{name}"))
            })
            .collect();
        found.sort();
        found
    }

    /// Checks the selected operation for `clearance` before it executes. Scalar values are
    /// checked first (MongooseIM type-checks before it checks permissions).
    pub fn check(
        &self,
        clearance: &Clearance,
        document: &ExecutableDocument,
        operation: &Positioned<OperationDefinition>,
        variables: &Variables,
    ) -> Result<(), Refusal> {
        let operation_name = document
            .operations
            .iter()
            .find(|(_, op)| std::ptr::eq(*op, operation))
            .and_then(|(name, _)| name.map(|n| n.to_string()))
            .unwrap_or_else(|| "ROOT".to_string());
        let mut values: HashMap<Name, Value> = HashMap::new();
        for definition in &operation.node.variable_definitions {
            let definition = &definition.node;
            let value = variables
                .get(&definition.name.node)
                .cloned()
                .or_else(|| definition.default_value.as_ref().map(|d| d.node.clone()))
                .unwrap_or(Value::Null);
            self.coerce(&definition.var_type.node, &value)?;
            values.insert(definition.name.node.clone(), value);
        }
        let Some(root) = self.root(operation.node.ty) else { return Ok(()) };
        let mut walk = Walk {
            table: self,
            document,
            clearance,
            variables: &values,
            operation_name,
            visited: HashSet::new(),
            coercion: None,
            denial: None,
        };
        walk.selection_set(root, &operation.node.selection_set.node, &mut Vec::new());
        match (walk.coercion, walk.denial) {
            (Some(refusal), _) | (None, Some(refusal)) => Err(refusal),
            (None, None) => Ok(()),
        }
    }

    /// Checks the custom scalars inside `value`, a value of type `ty`.
    fn coerce(&self, ty: &Type, value: &Value) -> Result<(), Refusal> {
        match (&ty.base, value) {
            (_, Value::Null) => Ok(()),
            (BaseType::List(inner), Value::List(items)) => items.iter().try_for_each(|item| self.coerce(inner, item)),
            (BaseType::List(inner), single) => self.coerce(inner, single),
            (BaseType::Named(name), value) => {
                if let Some(fields) = self.inputs.get(name.as_str()) {
                    if let Value::Object(object) = value {
                        for (field, field_type) in fields {
                            if let Some(v) = object.get(field.as_str()) {
                                self.coerce(field_type, v)?;
                            }
                        }
                    }
                    return Ok(());
                }
                match scalars::check(name, value) {
                    Some(Err(reason)) => Err(Refusal::Coercion {
                        message: format!(
                            "Input coercion failed for type {name} with value {value}. The reason it failed is: {reason}"
                        ),
                    }),
                    _ => Ok(()),
                }
            }
        }
    }
}

struct Walk<'a> {
    table: &'a ProtectionTable,
    document: &'a ExecutableDocument,
    clearance: &'a Clearance,
    variables: &'a HashMap<Name, Value>,
    operation_name: String,
    /// A fragment's checks do not depend on where it is spread: each is walked once (which
    /// also ends the cycles validation would refuse later).
    visited: HashSet<&'a str>,
    coercion: Option<Refusal>,
    denial: Option<Refusal>,
}

impl<'a> Walk<'a> {
    fn selection_set(&mut self, type_name: &str, set: &'a SelectionSet, path: &mut Vec<String>) {
        let Some(object) = self.table.objects.get(type_name) else { return };
        if object.protected && *self.clearance == Clearance::Unauthenticated {
            self.deny_unauthenticated();
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    // Introspection is open; unknown fields are left to validation.
                    let Some(info) = object.fields.get(name) else { continue };
                    let arguments: HashMap<&str, Value> = field
                        .arguments
                        .iter()
                        .map(|(n, v)| {
                            let value = v.node.clone().into_const_with(|var| {
                                Ok::<_, ()>(self.variables.get(&var).cloned().unwrap_or(Value::Null))
                            });
                            (n.node.as_str(), value.unwrap_or(Value::Null))
                        })
                        .collect();
                    for (arg, value) in &arguments {
                        if let Some(ty) = info.args.get(*arg)
                            && let Err(refusal) = self.table.coerce(ty, value)
                        {
                            self.coercion.get_or_insert(refusal);
                        }
                    }
                    path.push(name.to_string());
                    let classified = info.protection.clone().or_else(|| {
                        // A root or category field without a declaration is refused to all but
                        // the global admin.
                        self.table.operation_types.contains(type_name).then_some(Protection::Global)
                    });
                    if let Some(protection) = classified {
                        self.field(&protection, &arguments, path);
                    }
                    self.selection_set(&info.returns, &field.selection_set.node, path);
                    path.pop();
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref().map(|c| c.node.on.node.as_str()).unwrap_or(type_name);
                    self.selection_set(on, &fragment.selection_set.node, path);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !self.visited.insert(name) {
                        continue;
                    }
                    if let Some(fragment) = self.document.fragments.get(name) {
                        let fragment = &fragment.node;
                        self.selection_set(
                            fragment.type_condition.node.on.node.as_str(),
                            &fragment.selection_set.node,
                            path,
                        );
                    }
                }
            }
        }
    }

    fn field(&mut self, protection: &Protection, arguments: &HashMap<&str, Value>, path: &[String]) {
        match (protection, self.clearance) {
            (Protection::Open, _) | (_, Clearance::GlobalAdmin) => {}
            (_, Clearance::Unauthenticated) => self.deny_unauthenticated(),
            (Protection::Authenticated, Clearance::DomainAdmin(_)) => {}
            (Protection::Global, Clearance::DomainAdmin(_)) => {
                let message =
                    format!("Cannot execute query {} without a global admin permissions", self.operation_name);
                self.deny(message, path, Vec::new(), true);
            }
            (Protection::Domain(args), Clearance::DomainAdmin(own)) => {
                let invalid: Vec<String> =
                    args.iter().filter(|arg| !in_domain(&argument_values(arguments, arg), own)).cloned().collect();
                if !invalid.is_empty() {
                    let message = format!(
                        "Cannot execute query {} without permissions to the given domain. Args with invalid value: {}",
                        self.operation_name,
                        invalid.join(", ")
                    );
                    self.deny(message, path, invalid, false);
                }
            }
        }
    }

    fn deny_unauthenticated(&mut self) {
        if self.denial.is_none() {
            let message = format!("Cannot execute query {} without permissions", self.operation_name);
            self.denial = Some(Refusal::Denied {
                message,
                path: vec![self.operation_name.clone()],
                invalid_args: Vec::new(),
                global: false,
            });
        }
    }

    fn deny(&mut self, message: String, path: &[String], invalid_args: Vec<String>, global: bool) {
        if self.denial.is_none() {
            let path = std::iter::once(self.operation_name.clone()).chain(path.iter().cloned()).collect();
            self.denial = Some(Refusal::Denied { message, path, invalid_args, global });
        }
    }
}

/// The values at a dotted argument path (`user`, `input.domain`), lists taken element-wise;
/// `None` where a value is missing or null.
fn argument_values(arguments: &HashMap<&str, Value>, path: &str) -> Vec<Option<Value>> {
    let mut parts = path.split('.');
    let first = parts.next().unwrap_or_default();
    let mut values = vec![arguments.get(first).cloned()];
    for part in parts {
        values = values
            .into_iter()
            .flat_map(|value| match value {
                Some(Value::Object(object)) => vec![object.get(part).cloned()],
                Some(Value::List(items)) => items
                    .into_iter()
                    .map(|item| if let Value::Object(o) = item { o.get(part).cloned() } else { None })
                    .collect(),
                _ => vec![None],
            })
            .collect();
    }
    values
        .into_iter()
        .flat_map(|value| match value {
            Some(Value::List(items)) => items.into_iter().map(Some).collect(),
            other => vec![other],
        })
        .collect()
}

/// True when every value names `own` (a domain, or a user of it). Missing or null: false.
fn in_domain(values: &[Option<Value>], own: &str) -> bool {
    !values.is_empty()
        && values.iter().all(|value| match value {
            Some(Value::String(s)) => scalars::domain_of(s).as_deref() == Some(own),
            _ => false,
        })
}
