//! Categories and commands built from the admin schema (MongooseIM's mongooseimctl model):
//! every field of the root Query, Mutation and Subscription types except `checkAuth` is a
//! category, every field of a category a command with a pre-built document.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use super::introspection::{FullType, InputValue, Kind, Schema, TypeRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Query,
    Mutation,
    Subscription,
}

impl Operation {
    pub fn keyword(self) -> &'static str {
        match self {
            Operation::Query => "query",
            Operation::Mutation => "mutation",
            Operation::Subscription => "subscription",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Command {
    pub category: String,
    pub name: String,
    pub description: Option<String>,
    pub operation: Operation,
    pub args: Vec<InputValue>,
    pub returns: TypeRef,
}

impl Command {
    pub fn arg(&self, name: &str) -> Option<&InputValue> {
        self.args.iter().find(|a| a.name == name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Category {
    pub name: String,
    pub description: Option<String>,
    pub commands: BTreeMap<String, Command>,
}

/// Everything the admin schema offers, by category.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub categories: BTreeMap<String, Category>,
    types: HashMap<String, FullType>,
}

/// Root fields that are not categories.
const NOT_CATEGORIES: &[&str] = &["checkAuth"];

/// How deep the selection of a return type goes before it stops at `__typename`.
const MAX_SAME_TYPE: usize = 2;

impl Catalog {
    pub fn new(schema: Schema) -> Result<Catalog, String> {
        let types: HashMap<String, FullType> = schema.types.into_iter().map(|t| (t.name.clone(), t)).collect();
        let mut categories: BTreeMap<String, Category> = BTreeMap::new();
        let roots = [
            (Operation::Query, schema.query_type),
            (Operation::Mutation, schema.mutation_type),
            (Operation::Subscription, schema.subscription_type),
        ];
        for (operation, root) in roots {
            let Some(root) = root.and_then(|r| types.get(&r.name)) else { continue };
            for field in root.fields.iter().flatten() {
                if NOT_CATEGORIES.contains(&field.name.as_str()) || field.name.starts_with("__") {
                    continue;
                }
                let Some(category_type) = types.get(field.ty.named()).filter(|t| t.kind == Kind::Object) else {
                    continue;
                };
                let category = categories
                    .entry(field.name.clone())
                    .or_insert_with(|| Category { name: field.name.clone(), ..Default::default() });
                if category.description.is_none() {
                    category.description = field.description.clone();
                }
                for command in category_type.fields.iter().flatten() {
                    if command.name.starts_with("__") {
                        continue;
                    }
                    if let Some(other) = category.commands.get(&command.name) {
                        return Err(format!(
                            "the admin schema defines {}.{} both as a {} and as a {}",
                            field.name,
                            command.name,
                            other.operation.keyword(),
                            operation.keyword()
                        ));
                    }
                    category.commands.insert(
                        command.name.clone(),
                        Command {
                            category: field.name.clone(),
                            name: command.name.clone(),
                            description: command.description.clone(),
                            operation,
                            args: command.args.clone(),
                            returns: command.ty.clone(),
                        },
                    );
                }
            }
        }
        Ok(Catalog { categories, types })
    }

    pub fn command(&self, category: &str, name: &str) -> Option<&Command> {
        self.categories.get(category)?.commands.get(name)
    }

    pub fn type_named(&self, name: &str) -> Option<&FullType> {
        self.types.get(name)
    }

    /// `<op> ($a: T!) { <category> { <command>(a: $a) { <every return field> } } }`, declaring
    /// only the arguments given so that the server's defaults apply to the others.
    pub fn document(&self, command: &Command, given: &[&str]) -> String {
        let args: Vec<&InputValue> = command.args.iter().filter(|a| given.contains(&a.name.as_str())).collect();
        let mut doc = String::from(command.operation.keyword());
        if !args.is_empty() {
            let declared: Vec<String> = args.iter().map(|a| format!("${}: {}", a.name, a.ty.display())).collect();
            let _ = write!(doc, " ({})", declared.join(", "));
        }
        let _ = write!(doc, " {{ {} {{ {}", command.category, command.name);
        if !args.is_empty() {
            let passed: Vec<String> = args.iter().map(|a| format!("{0}: ${0}", a.name)).collect();
            let _ = write!(doc, "({})", passed.join(", "));
        }
        let mut path = Vec::new();
        doc.push_str(&self.selection(command.returns.named(), &mut path));
        doc.push_str(" } }");
        doc
    }

    /// The selection set of a named type: empty for scalars and enums, every field otherwise
    /// (fields that need arguments are left out), unions and interfaces through `... on`.
    fn selection<'a>(&'a self, type_name: &'a str, path: &mut Vec<&'a str>) -> String {
        let Some(ty) = self.types.get(type_name) else { return String::new() };
        match ty.kind {
            Kind::Object | Kind::Interface | Kind::Union => {}
            _ => return String::new(),
        }
        if path.iter().filter(|t| **t == type_name).count() >= MAX_SAME_TYPE {
            return " { __typename }".into();
        }
        path.push(type_name);
        let mut parts: Vec<String> = Vec::new();
        for field in ty.fields.iter().flatten() {
            if field.name.starts_with("__") || field.args.iter().any(|a| a.ty.is_required()) {
                continue;
            }
            parts.push(format!("{}{}", field.name, self.selection(field.ty.named(), path)));
        }
        if ty.kind != Kind::Object {
            parts.push("__typename".into());
            for possible in ty.possible_types.iter().flatten() {
                let name = possible.named();
                parts.push(format!("... on {name}{}", self.selection(name, path)));
            }
        }
        path.pop();
        format!(" {{ {} }}", parts.join(" "))
    }
}
