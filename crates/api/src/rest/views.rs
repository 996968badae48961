//! Users and roles as Strapi's REST API shows them: its keys in its order, `id` and
//! `documentId` always, the other attributes as `fields` selects them, never a private one.

use serde_json::{Map, Value, json};

use gatehouse_core::{Role, User, format_millis};

/// Which attributes to show: all of them, or `id`, `documentId` and the named ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Fields {
    #[default]
    All,
    Only(Vec<String>),
}

impl Fields {
    fn shows(&self, name: &str) -> bool {
        match self {
            Fields::All => true,
            Fields::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

/// What a read shows: the user's attributes, and its role when populated (and allowed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub fields: Fields,
    /// `Some` when `populate` asks for the role, with the role's attributes to show.
    pub role: Option<Fields>,
}

/// Keeps `id`, `documentId` and the attributes `fields` shows, in this order.
fn select(all: Vec<(&'static str, Value)>, fields: &Fields) -> Map<String, Value> {
    all.into_iter()
        .filter(|(name, _)| matches!(*name, "id" | "documentId") || fields.shows(name))
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

/// A user; with `role`, its role (`null` when it has none) as those fields show it.
pub fn user(user: &User, fields: &Fields, role: Option<(Option<&Role>, &Fields)>) -> Value {
    let created = format_millis(user.created_at);
    let mut object = select(
        vec![
            ("id", json!(user.id.get())),
            ("documentId", json!(user.document_id)),
            ("username", json!(user.username)),
            ("email", json!(user.email)),
            ("provider", json!(user.provider)),
            ("confirmed", json!(user.confirmed)),
            ("blocked", json!(user.blocked)),
            ("createdAt", json!(created)),
            ("updatedAt", json!(format_millis(user.updated_at))),
            // Users are never drafts: published when created.
            ("publishedAt", json!(created)),
        ],
        fields,
    );
    if let Some((role, fields)) = role {
        object.insert("role".into(), role.map_or(Value::Null, |role| self::role(role, fields)));
    }
    Value::Object(object)
}

/// A user with every attribute and without its role: what the auth routes answer.
pub fn plain_user(user: &User) -> Value {
    self::user(user, &Fields::All, None)
}

pub fn role(role: &Role, fields: &Fields) -> Value {
    let created = format_millis(role.created_at);
    Value::Object(select(
        vec![
            ("id", json!(role.id.get())),
            ("documentId", json!(role.document_id)),
            ("name", json!(role.name)),
            ("description", json!(role.description)),
            ("type", json!(role.kind)),
            ("createdAt", json!(created)),
            ("updatedAt", json!(format_millis(role.updated_at))),
            ("publishedAt", json!(created)),
        ],
        fields,
    ))
}
