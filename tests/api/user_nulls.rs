//! Null propagation (GraphQL spec §6.4.4): a failed non-null field nulls its nearest nullable
//! parent, or `data`. Checked on Strapi's case, and for every non-null field of the schema.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{Value, json};

use crate::user_support::{grant, seed_user};
use gatehouse_testkit::{TestApp, spawn_app};

const P: &str = "plugin::users-permissions.";

#[tokio::test]
async fn a_denied_non_null_field_nulls_its_parent_as_strapi() {
    let app = spawn_app().await;
    let jwt = app.register("reader", "secret123").await;
    grant(&app, "authenticated", &[&format!("{P}role.findOne"), &format!("{P}role.find")]).await;
    let query = "query($d: ID!) { usersPermissionsRole(documentId: $d) { name permissions { action } } }";
    let answer = app.user().bearer(&jwt).query(query, json!({ "d": "1" })).await;
    assert_eq!(answer.body["data"], json!({ "usersPermissionsRole": null }), "{}", answer.body);
    assert_eq!(answer.error_code(), "FORBIDDEN");
    assert_eq!(answer.body["errors"][0]["path"], json!(["usersPermissionsRole", "permissions"]));

    // Items of a list whose elements may be null are nulled one by one.
    let answer =
        app.user().bearer(&jwt).query("{ usersPermissionsRoles { name permissions { action } } }", json!({})).await;
    assert_eq!(answer.body["data"], json!({ "usersPermissionsRoles": [null, null] }), "{}", answer.body);

    // A non-null root field nulls `data`, whatever its siblings answered.
    let answer = app.user().bearer(&jwt).query("{ __typename usersPermissionsUsers { username } }", json!({})).await;
    assert_eq!(answer.body["data"], Value::Null, "{}", answer.body);
    assert_eq!(answer.error_code(), "FORBIDDEN");
    let create = r#"mutation { createUsersPermissionsUser(data: {username: "x", email: "x@example.com"}) { data { username } } }"#;
    let answer = app.user().bearer(&jwt).query(create, json!({})).await;
    assert_eq!(answer.body["data"], Value::Null);

    // A nullable field that fails answers null next to its error.
    let answer = app.user().query("{ __typename me { id } }", json!({})).await;
    assert_eq!(answer.body["data"], json!({ "__typename": "Query", "me": null }));
}

/// A type reference from introspection.
#[derive(Debug, Clone)]
enum TypeRef {
    NonNull(Box<TypeRef>),
    List(Box<TypeRef>),
    Named(String),
}

impl TypeRef {
    fn parse(value: &Value) -> TypeRef {
        match value["kind"].as_str() {
            Some("NON_NULL") => TypeRef::NonNull(Box::new(TypeRef::parse(&value["ofType"]))),
            Some("LIST") => TypeRef::List(Box::new(TypeRef::parse(&value["ofType"]))),
            _ => TypeRef::Named(value["name"].as_str().unwrap_or_default().to_string()),
        }
    }
    fn named(&self) -> &str {
        match self {
            TypeRef::NonNull(inner) | TypeRef::List(inner) => inner.named(),
            TypeRef::Named(name) => name,
        }
    }
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    ty: TypeRef,
    required_args: Vec<String>,
}

const TYPE_REF: &str = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";

/// The object types of the user schema and their fields.
async fn object_types(app: &TestApp) -> HashMap<String, Vec<Field>> {
    let query = format!(
        "{{ __schema {{ types {{ name kind fields {{ name type {{ {TYPE_REF} }} args {{ name type {{ {TYPE_REF} }} }} }} }} }} }}"
    );
    let answer = app.user().query(&query, json!({})).await;
    let mut objects = HashMap::new();
    for ty in answer.data()["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if ty["kind"] != "OBJECT" || name.starts_with("__") {
            continue;
        }
        let fields = ty["fields"].as_array().unwrap().iter().map(|f| Field {
            name: f["name"].as_str().unwrap().to_string(),
            ty: TypeRef::parse(&f["type"]),
            required_args: f["args"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["type"]["kind"] == "NON_NULL")
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect(),
        });
        objects.insert(name.to_string(), fields.collect());
    }
    objects
}

/// The shortest chain of fields from `Query` to each object type.
fn paths_from_query(objects: &HashMap<String, Vec<Field>>) -> HashMap<String, Vec<Field>> {
    let mut paths = HashMap::from([("Query".to_string(), Vec::new())]);
    let mut queue = VecDeque::from(["Query".to_string()]);
    while let Some(ty) = queue.pop_front() {
        for field in &objects[&ty] {
            let target = field.ty.named().to_string();
            if objects.contains_key(&target) && !paths.contains_key(&target) {
                let mut path = paths[&ty].clone();
                path.push(field.clone());
                paths.insert(target.clone(), path);
                queue.push_back(target);
            }
        }
    }
    paths
}

/// `field(arg: value, ...)` with a value for each required argument.
fn call(field: &Field, ids: &HashMap<&str, String>) -> String {
    if field.required_args.is_empty() {
        return field.name.clone();
    }
    let args: Vec<String> = field
        .required_args
        .iter()
        .map(|arg| {
            let value = ids.get(field.name.as_str()).filter(|_| arg == "documentId").cloned().unwrap_or("x".into());
            format!("{arg}: {value:?}")
        })
        .collect();
    format!("{}({})", field.name, args.join(", "))
}

/// Checks `value` against the type of its position and the rest of the chain: a non-null
/// position is never null, and a non-null object holds every field asked of it.
fn conforms(value: &Value, ty: &TypeRef, rest: &[Field]) -> Result<(), String> {
    match ty {
        TypeRef::NonNull(inner) if value.is_null() => Err(format!("null at a {inner:?}!")),
        TypeRef::NonNull(inner) => conforms(value, inner, rest),
        _ if value.is_null() => Ok(()),
        TypeRef::List(inner) => {
            value.as_array().ok_or("not a list")?.iter().try_for_each(|item| conforms(item, inner, rest))
        }
        TypeRef::Named(_) => match rest.split_first() {
            None => Ok(()),
            Some((next, rest)) => {
                let object = value.as_object().ok_or("not an object")?;
                let child = object.get(&next.name).ok_or(format!("{} left out of its object", next.name))?;
                conforms(child, &next.ty, rest)
            }
        },
    }
}

#[tokio::test]
async fn every_non_null_field_of_the_schema_answers_by_the_spec_when_denied_or_not() {
    let app = spawn_app().await;
    let authenticated =
        app.app.core.roles().role_by_type(&crate::user_support::domain(&app).await, "authenticated").await;
    let user_id = seed_user(&app, "walker", false, authenticated.unwrap().map(|r| r.id)).await;
    let user = app.app.core.users().user_by_ref(&crate::user_support::domain(&app).await, &user_id.to_string()).await;
    let ids = HashMap::from([
        ("usersPermissionsUser", user.unwrap().unwrap().document_id),
        ("usersPermissionsRole", "1".to_string()),
    ]);
    let objects = object_types(&app).await;
    let paths = paths_from_query(&objects);

    // Every list and find is allowed, but no relation guard beyond: permissions are denied.
    let reads = ["user.find", "user.findOne", "role.find", "role.findOne"].map(|a| format!("{P}{a}"));
    grant(&app, "public", &reads.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let mut checked = HashSet::new();
    for round in ["denied", "allowed"] {
        for (ty, path) in &paths {
            for field in objects[ty].iter().filter(|f| matches!(f.ty, TypeRef::NonNull(_))) {
                let mut chain = path.clone();
                chain.push(field.clone());
                let leaf = if objects.contains_key(field.ty.named()) { " { __typename }" } else { "" };
                let mut query = format!("{}{leaf}", call(field, &ids));
                for step in path.iter().rev() {
                    query = format!("{} {{ {query} }}", call(step, &ids));
                }
                let query = format!("{{ {query} }}");
                let answer = app.user().query(&query, json!({})).await;
                assert_eq!(answer.status, reqwest::StatusCode::OK, "{query}: {}", answer.body);
                let data = &answer.body["data"];
                if data.is_null() {
                    assert!(answer.body["errors"].is_array(), "{query}: data null without an error");
                } else if let Err(e) = conforms(data, &TypeRef::Named("Query".into()), &chain) {
                    panic!("{round}: {query}: {e}: {}", answer.body);
                }
                checked.insert(format!("{ty}.{}", field.name));
            }
        }
        grant(&app, "public", &[&format!("{P}permission.find")]).await;
    }
    for guarded in ["UsersPermissionsRole.permissions", "UsersPermissionsRole.users", "Query.usersPermissionsUsers"] {
        assert!(checked.contains(guarded), "{guarded} was not reached by the walk");
    }
}
