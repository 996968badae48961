//! Which user API answers are kept between requests (see `gatehouse_http::answers`): those of a
//! query that asks only for the signed-in user, `{ me { id username } }`, `{ me { email role {
//! name } } }` and the like, which front ends send on every page. Such an answer depends on
//! nothing but what it shows: `me` requires only a signed-in caller, each field below shows the
//! user's own value (`UsersPermissionsMe`, `types.rs`), and `role` the user's role as the
//! store's cache holds it, read again for every request. It is kept under those values, so that
//! a change to any of them (a new username, a confirmation, a renamed role) is answered anew at
//! once.

use async_graphql::Positioned;
use async_graphql::parser::types::{
    Directive, ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet, TypeCondition,
};

use gatehouse_core::{DomainId, Email, Role, RoleId, User, UserId, Username};

/// The fields of `UsersPermissionsMe` that show the user's own data and nothing else. A field
/// that reads anything more must not be listed (`role` is followed apart).
const OWN_FIELDS: &[&str] = &["__typename", "id", "documentId", "username", "email", "confirmed", "blocked"];
/// The fields of `UsersPermissionsMeRole`, which show the role's own data.
const ROLE_FIELDS: &[&str] = &["__typename", "id", "name", "description", "type"];

/// What a kept answer shows, and the user's domain: the answer's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shown {
    domain: DomainId,
    id: UserId,
    document_id: String,
    username: Username,
    email: Email,
    confirmed: bool,
    blocked: bool,
    /// The role, for a document that selects it (none for one that does not).
    role: Option<ShownRole>,
}

/// What `UsersPermissionsMeRole` shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ShownRole {
    id: RoleId,
    name: String,
    description: Option<String>,
    kind: String,
}

impl Shown {
    /// `role`: the user's role, read for a document that selects it.
    pub fn of(user: &User, role: Option<&Role>) -> Self {
        Self {
            domain: user.domain_id,
            id: user.id,
            document_id: user.document_id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            confirmed: user.confirmed,
            blocked: user.blocked,
            role: role.map(|role| ShownRole {
                id: role.id,
                name: role.name.clone(),
                description: role.description.clone(),
                kind: role.kind.clone(),
            }),
        }
    }
}

/// What a query whose answer can be kept reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// The user's own fields only.
    User,
    /// Those and the user's role.
    UserAndRole,
}

/// Fragments within fragments followed at most: the check runs before validation, which is
/// what refuses a cycle of fragments.
const FRAGMENT_NESTING: usize = 4;

/// What `operation` reads when it is a query of `__typename` and `me` with only [`OWN_FIELDS`]
/// and `role` (with only [`ROLE_FIELDS`]) under it, aliases and fragments (on the right type,
/// without directives) allowed; none otherwise (an argument, a directive, another field): then
/// it is executed every time.
pub fn reads(document: &ExecutableDocument, operation: &OperationDefinition) -> Option<Reads> {
    let role_selected = std::cell::Cell::new(false);
    let role = |field: &Field| ROLE_FIELDS.contains(&field.name.node.as_str()) && is_leaf(field);
    let me = |field: &Field| match field.name.node.as_str() {
        "role" => {
            role_selected.set(true);
            is_plain(field) && only_fields(document, &field.selection_set.node, "UsersPermissionsMeRole", 0, &role)
        }
        name => OWN_FIELDS.contains(&name) && is_leaf(field),
    };
    let root = |field: &Field| match field.name.node.as_str() {
        "__typename" => is_leaf(field),
        "me" => is_plain(field) && only_fields(document, &field.selection_set.node, "UsersPermissionsMe", 0, &me),
        _ => false,
    };
    let accepted = operation.ty == OperationType::Query
        && operation.directives.is_empty()
        && only_fields(document, &operation.selection_set.node, "Query", 0, &root);
    accepted.then(|| if role_selected.get() { Reads::UserAndRole } else { Reads::User })
}

/// Whether every field selected in `set` (on the type `on`), through its fragments, is accepted.
fn only_fields(
    document: &ExecutableDocument,
    set: &SelectionSet,
    on: &str,
    nesting: usize,
    accept: &dyn Fn(&Field) -> bool,
) -> bool {
    let fragment = |condition: Option<&Positioned<TypeCondition>>, directives: &[Positioned<Directive>]| {
        nesting < FRAGMENT_NESTING && directives.is_empty() && condition.is_none_or(|c| c.node.on.node == on)
    };
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => accept(&field.node),
        Selection::InlineFragment(inline) => {
            let inline = &inline.node;
            fragment(inline.type_condition.as_ref(), &inline.directives)
                && only_fields(document, &inline.selection_set.node, on, nesting + 1, accept)
        }
        Selection::FragmentSpread(spread) => {
            spread.node.directives.is_empty()
                && document.fragments.get(&spread.node.fragment_name.node).is_some_and(|definition| {
                    let definition = &definition.node;
                    fragment(Some(&definition.type_condition), &definition.directives)
                        && only_fields(document, &definition.selection_set.node, on, nesting + 1, accept)
                })
        }
    })
}

fn is_plain(field: &Field) -> bool {
    field.arguments.is_empty() && field.directives.is_empty()
}

fn is_leaf(field: &Field) -> bool {
    is_plain(field) && field.selection_set.node.items.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(query: &str) -> Option<Reads> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let operation = document.operations.iter().next().unwrap().1;
        reads(&document, &operation.node)
    }

    fn accepted(query: &str) -> bool {
        read(query).is_some()
    }

    #[test]
    fn a_query_of_the_user_and_its_role_is_kept() {
        assert_eq!(read("{ me { id username } }"), Some(Reads::User));
        assert_eq!(read("{ me { id role { id name description type __typename } } }"), Some(Reads::UserAndRole));
        assert_eq!(
            read(
                "{ me { ...Own } } fragment Own on UsersPermissionsMe { role { ...R } } fragment R on UsersPermissionsMeRole { name }"
            ),
            Some(Reads::UserAndRole)
        );
        assert!(accepted("query Me { __typename me { id documentId username email confirmed blocked __typename } }"));
        assert!(accepted("{ a: me { name: username } b: me { id } }"));
        // Fragments, as Apollo's generated documents spell them.
        assert!(accepted(
            "{ me { ...Own } } fragment Own on UsersPermissionsMe { id ...Names } \
             fragment Names on UsersPermissionsMe { username }"
        ));
        assert!(accepted("{ me { ... on UsersPermissionsMe { id } ... { email } } }"));
        assert!(accepted("query { ...Root } fragment Root on Query { me { id } }"));
    }

    #[test]
    fn anything_that_reads_more_or_may_vary_is_executed() {
        for query in [
            "{ me { id role { name permissions } } }",
            "{ me { role(x: 1) { name } } }",
            "{ me { role @include(if: true) { name } } }",
            "{ me { role { ...R } } } fragment R on UsersPermissionsRole { name }",
            "{ me { id } checkPermission(action: \"x\") }",
            "{ usersPermissionsUsers { username } }",
            "{ me @include(if: true) { id } }",
            "{ me { id @skip(if: false) } }",
            "query Me @cached { me { id } }",
            "mutation { me { id } }",
            // Fragments that read more, are on another type, carry directives, or cycle.
            "{ me { ...own } } fragment own on UsersPermissionsMe { id role { users { id } } }",
            "{ me { ...own } } fragment own on UsersPermissionsUser { id }",
            "{ me { ...own @include(if: true) } } fragment own on UsersPermissionsMe { id }",
            "{ me { ...own } } fragment own on UsersPermissionsMe @cached { id }",
            "{ me { ... on UsersPermissionsMe @include(if: true) { id } } }",
            "{ me { ...missing } }",
            "{ me { ...a } } fragment a on UsersPermissionsMe { ...b } fragment b on UsersPermissionsMe { ...a }",
            "{ ...Root } fragment Root on UsersPermissionsMe { id }",
        ] {
            assert!(!accepted(query), "{query}");
        }
    }
}
