//! Users and roles as Strapi's REST API shows them: its keys in its order, `id` and
//! `documentId` always, the other attributes as `fields` selects them, never a private one.
//! Views serialise straight from the model, with no JSON tree built in between.

use serde::ser::{Serialize, SerializeMap, Serializer};

use gatehouse_core::{Millis, Role, User, format_millis};

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

/// Writes the entries `fields` shows; a value is computed only when shown.
struct Entries<'f, M> {
    map: M,
    fields: &'f Fields,
}

impl<'f, M: SerializeMap> Entries<'f, M> {
    /// An object that starts with `id` and `documentId`, shown whatever `fields` says.
    fn start<S>(serializer: S, id: i64, document_id: &str, fields: &'f Fields) -> Result<Self, S::Error>
    where
        S: Serializer<SerializeMap = M, Error = M::Error>,
    {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &id)?;
        map.serialize_entry("documentId", document_id)?;
        Ok(Self { map, fields })
    }

    fn add<V: Serialize>(&mut self, name: &'static str, value: impl FnOnce() -> V) -> Result<(), M::Error> {
        if self.fields.shows(name) { self.map.serialize_entry(name, &value()) } else { Ok(()) }
    }

    /// `createdAt`, `updatedAt` and `publishedAt`: users and roles are never drafts, so they
    /// are published when created.
    fn timestamps(&mut self, created_at: Millis, updated_at: Millis) -> Result<(), M::Error> {
        let created = format_millis(created_at);
        self.add("createdAt", || &created)?;
        self.add("updatedAt", || format_millis(updated_at))?;
        self.add("publishedAt", || &created)
    }
}

/// A user; with `role`, its role (`null` when it has none) as those fields show it.
pub struct UserView<'a> {
    user: &'a User,
    fields: &'a Fields,
    role: Option<(Option<&'a Role>, &'a Fields)>,
}

pub fn user<'a>(user: &'a User, fields: &'a Fields, role: Option<(Option<&'a Role>, &'a Fields)>) -> UserView<'a> {
    UserView { user, fields, role }
}

/// A user with every attribute and without its role: what the auth routes answer.
pub fn plain_user(user: &User) -> UserView<'_> {
    self::user(user, &Fields::All, None)
}

impl Serialize for UserView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let user = self.user;
        let mut entries = Entries::start(serializer, user.id.get(), &user.document_id, self.fields)?;
        entries.add("username", || &user.username)?;
        entries.add("email", || &user.email)?;
        entries.add("provider", || &user.provider)?;
        entries.add("confirmed", || user.confirmed)?;
        entries.add("blocked", || user.blocked)?;
        entries.timestamps(user.created_at, user.updated_at)?;
        let mut map = entries.map;
        if let Some((role, fields)) = self.role {
            map.serialize_entry("role", &role.map(|role| self::role(role, fields)))?;
        }
        map.end()
    }
}

/// A role as those fields show it.
pub struct RoleView<'a> {
    role: &'a Role,
    fields: &'a Fields,
}

pub fn role<'a>(role: &'a Role, fields: &'a Fields) -> RoleView<'a> {
    RoleView { role, fields }
}

impl Serialize for RoleView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let role = self.role;
        let mut entries = Entries::start(serializer, role.id.get(), &role.document_id, self.fields)?;
        entries.add("name", || &role.name)?;
        entries.add("description", || &role.description)?;
        entries.add("type", || &role.kind)?;
        entries.timestamps(role.created_at, role.updated_at)?;
        entries.map.end()
    }
}
