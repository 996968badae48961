//! What the user API's authorization suite reads from the schema and sets up: the object types
//! and their fields, documents that reach a field, and roles and users made through the admin
//! API (the wire, not the core), so that the suite only knows what a client knows.

use std::collections::{BTreeSet, HashMap, VecDeque};

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use gatehouse_api::user::authorization::Requires;
use serde_json::{Value, json};

use gatehouse_testkit::TestApp;

pub const DOMAIN: &str = "localhost";
pub const PASSWORD: &str = "secret123";

pub struct Field {
    pub name: String,
    pub takes_arguments: bool,
    /// The arguments without a default that a value must be given for.
    required: Vec<(String, Type)>,
    /// The named type returned (lists and non-null unwrapped).
    pub returns: String,
}

/// A way from the query root to a type: the `(type, field)` steps, and the actions they need.
pub struct Route {
    pub steps: Vec<(String, String)>,
    pub needs: BTreeSet<String>,
}

/// The user schema as its SDL declares it.
pub struct Schema {
    pub query: String,
    pub mutation: String,
    /// Every object type's fields, in the SDL's order.
    pub objects: HashMap<String, Vec<Field>>,
    inputs: HashMap<String, Vec<(String, Type)>>,
    enums: HashMap<String, String>,
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

impl Schema {
    pub fn read() -> Schema {
        let sdl = gatehouse_api::user::build_schema(None, &Default::default()).sdl();
        let document = async_graphql::parser::parse_schema(sdl).expect("the user SDL parses");
        let mut schema = Schema {
            query: "Query".into(),
            mutation: "Mutation".into(),
            objects: HashMap::new(),
            inputs: HashMap::new(),
            enums: HashMap::new(),
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(roots) => {
                    let roots = roots.node;
                    schema.query = roots.query.map(|n| n.node.to_string()).unwrap_or_default();
                    schema.mutation = roots.mutation.map(|n| n.node.to_string()).unwrap_or_default();
                }
                TypeSystemDefinition::Type(ty) => {
                    let name = ty.node.name.node.to_string();
                    match ty.node.kind {
                        TypeKind::Object(object) => {
                            let fields = object.fields.into_iter().map(|f| {
                                let f = f.node;
                                let takes_arguments = !f.arguments.is_empty();
                                let required = f
                                    .arguments
                                    .into_iter()
                                    .filter(|a| !a.node.ty.node.nullable && a.node.default_value.is_none())
                                    .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                                    .collect();
                                let returns = named(&f.ty.node).into();
                                Field { name: f.name.node.to_string(), takes_arguments, required, returns }
                            });
                            schema.objects.insert(name, fields.collect());
                        }
                        TypeKind::InputObject(input) => {
                            let fields = input
                                .fields
                                .into_iter()
                                .filter(|f| !f.node.ty.node.nullable && f.node.default_value.is_none())
                                .map(|f| (f.node.name.node.to_string(), f.node.ty.node));
                            schema.inputs.insert(name, fields.collect());
                        }
                        TypeKind::Enum(e) => {
                            schema.enums.insert(name, e.values[0].node.value.node.to_string());
                        }
                        _ => {}
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        schema
    }

    pub fn field(&self, ty: &str, name: &str) -> Option<&Field> {
        self.objects.get(ty)?.iter().find(|f| f.name == name)
    }

    pub fn is_object(&self, ty: &str) -> bool {
        self.objects.contains_key(ty)
    }

    /// A literal of `ty` with every required part filled in.
    fn literal(&self, ty: &Type) -> String {
        match &ty.base {
            BaseType::List(inner) => format!("[{}]", self.literal(inner)),
            BaseType::Named(name) => match name.as_str() {
                "Int" => "1".into(),
                "Float" => "1.5".into(),
                "Boolean" => "true".into(),
                other if self.enums.contains_key(other) => self.enums[other].clone(),
                other if self.inputs.contains_key(other) => {
                    let fields: Vec<String> =
                        self.inputs[other].iter().map(|(name, ty)| format!("{name}: {}", self.literal(ty))).collect();
                    format!("{{{}}}", fields.join(", "))
                }
                _ => "\"x\"".into(),
            },
        }
    }

    /// `name(arguments)`: the arguments of `hints` for this field, else its required ones. A
    /// hint is for the field of that name that takes arguments (`Mutation.refreshToken`, not
    /// the payload's `refreshToken`).
    pub fn call(&self, field: &Field, hints: &HashMap<&str, String>) -> String {
        let hint = hints.get(field.name.as_str()).filter(|_| field.takes_arguments);
        let arguments = match hint {
            Some(hint) => hint.clone(),
            None => {
                let required: Vec<String> =
                    field.required.iter().map(|(name, ty)| format!("{name}: {}", self.literal(ty))).collect();
                required.join(", ")
            }
        };
        if arguments.is_empty() { field.name.clone() } else { format!("{}({arguments})", field.name) }
    }

    /// `field` with every field below it, each object type once along a path (`path`: the
    /// object types above it).
    pub fn select_all(&self, field: &Field, hints: &HashMap<&str, String>, path: &mut Vec<String>) -> String {
        let call = self.call(field, hints);
        if !self.is_object(&field.returns) {
            return call;
        }
        if path.contains(&field.returns) {
            return format!("{call} {{ __typename }}");
        }
        path.push(field.returns.clone());
        let below: Vec<String> = self.objects[&field.returns].iter().map(|f| self.select_all(f, hints, path)).collect();
        path.pop();
        format!("{call} {{ {} }}", below.join(" "))
    }

    /// Calls `each(type, field, path)` for every field present in `data`, an answer of `ty`.
    pub fn walk(&self, ty: &str, data: &Value, path: &mut Vec<String>, each: &mut impl FnMut(&str, &str, &[String])) {
        match data {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(index.to_string());
                    self.walk(ty, item, path, each);
                    path.pop();
                }
            }
            Value::Object(object) => {
                for (key, value) in object {
                    if key == "__typename" {
                        continue;
                    }
                    let field = self.field(ty, key).unwrap_or_else(|| panic!("{ty}.{key} is not in the SDL"));
                    path.push(key.clone());
                    each(ty, key, path);
                    if self.is_object(&field.returns) {
                        self.walk(&field.returns, value, path, each);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// The shortest way from the query root to the type `target` through fields a caller may
    /// be given without the action `avoid` (and without signing in).
    pub fn route(
        &self,
        target: &str,
        avoid: Option<&str>,
        declared: &HashMap<(String, String), Requires>,
    ) -> Option<Route> {
        if target == self.mutation {
            return Some(Route { steps: Vec::new(), needs: BTreeSet::new() });
        }
        let mut queue = VecDeque::from([(self.query.clone(), Vec::<(String, String)>::new())]);
        let mut seen = BTreeSet::from([self.query.clone()]);
        while let Some((ty, steps)) = queue.pop_front() {
            if ty == target {
                let needs = steps.iter().filter_map(|step| declared[step].action()).collect();
                return Some(Route { steps, needs });
            }
            for field in self.objects[&ty].iter().filter(|f| self.is_object(&f.returns)) {
                let step = (ty.clone(), field.name.clone());
                let usable = match declared.get(&step) {
                    Some(Requires::Parent | Requires::Nothing) => true,
                    Some(Requires::Action(action)) => Some(*action) != avoid,
                    _ => false,
                };
                if usable && seen.insert(field.returns.clone()) {
                    let mut next = steps.clone();
                    next.push(step);
                    queue.push_back((field.returns.clone(), next));
                }
            }
        }
        None
    }

    /// A document that calls every step, then `field`.
    pub fn document(
        &self,
        kind: &str,
        steps: &[(String, String)],
        field: &Field,
        hints: &HashMap<&str, String>,
    ) -> String {
        let leaf = if self.is_object(&field.returns) { " { __typename }" } else { "" };
        let mut selection = format!("{}{leaf}", self.call(field, hints));
        for (ty, name) in steps.iter().rev() {
            let step = self.field(ty, name).unwrap();
            selection = format!("{} {{ {selection} }}", self.call(step, hints));
        }
        format!("{kind} {{ {selection} }}")
    }
}

/// Replaces the permissions of the role of type `role` (`public`, `authenticated`, ...).
pub async fn set_permissions(app: &TestApp, role: &str, actions: &BTreeSet<String>) {
    let document = "mutation($d: DomainName!, $r: String!, $a: [String!]!) { role { setRolePermissions(domain: $d, role: $r, actions: $a) { type } } }";
    let answer = app.admin().query(document, json!({ "d": DOMAIN, "r": role, "a": actions })).await;
    assert_eq!(answer.data()["role"]["setRolePermissions"]["type"], role);
}

/// The documentId of the role of type `role`.
pub async fn role_document_id(app: &TestApp, role: &str) -> String {
    let document = "query($d: DomainName!, $r: String!) { role { getRole(domain: $d, role: $r) { documentId } } }";
    let answer = app.admin().query(document, json!({ "d": DOMAIN, "r": role })).await;
    answer.data()["role"]["getRole"]["documentId"].as_str().unwrap().to_string()
}

/// Creates a role named `name`; returns its documentId.
pub async fn create_role(app: &TestApp, name: &str) -> String {
    let document =
        "mutation($d: DomainName!, $n: String!) { role { createRole(domain: $d, name: $n) { documentId } } }";
    let answer = app.admin().query(document, json!({ "d": DOMAIN, "n": name })).await;
    answer.data()["role"]["createRole"]["documentId"].as_str().unwrap().to_string()
}

/// Registers `username` on the user API; returns its JWT and documentId.
pub async fn register(app: &TestApp, username: &str) -> (String, String) {
    let document = "mutation($u: String!, $e: String!, $p: String!) { register(input: {username: $u, email: $e, password: $p}) { jwt user { documentId } } }";
    let variables = json!({ "u": username, "e": format!("{username}@example.com"), "p": PASSWORD });
    let answer = app.user().query(document, variables).await;
    let payload = &answer.data()["register"];
    (payload["jwt"].as_str().unwrap().to_string(), payload["user"]["documentId"].as_str().unwrap().to_string())
}
