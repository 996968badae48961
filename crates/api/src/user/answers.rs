//! Which user API answers are kept between requests (see `gatehouse_http::answers`): those of a
//! query that asks only for the signed-in user's own fields, `{ me { id username } }` and the
//! like, which front ends send on every page. Such an answer depends on nothing but those
//! fields: `me` requires only a signed-in caller, and each field below shows the user's own
//! value (`UsersPermissionsMe`, `types.rs`). It is kept under their values, so that a change to
//! any of them (a new username, a confirmation) is answered anew at once.

use async_graphql::parser::types::{Field, OperationDefinition, OperationType, Selection, SelectionSet};

use gatehouse_core::{DomainId, Email, User, UserId, Username};

/// The fields of `UsersPermissionsMe` that show the user's own data and nothing else. A field
/// that reads anything more (`role` reads the store) must not be listed.
const OWN_FIELDS: &[&str] = &["__typename", "id", "documentId", "username", "email", "confirmed", "blocked"];

/// What the fields of [`OWN_FIELDS`] show, and the user's domain: a kept answer's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnFields {
    domain: DomainId,
    id: UserId,
    document_id: String,
    username: Username,
    email: Email,
    confirmed: bool,
    blocked: bool,
}

impl OwnFields {
    pub fn of(user: &User) -> Self {
        Self {
            domain: user.domain_id,
            id: user.id,
            document_id: user.document_id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            confirmed: user.confirmed,
            blocked: user.blocked,
        }
    }
}

/// Whether `operation` is a query of `__typename` and `me` with only [`OWN_FIELDS`] under it,
/// aliases allowed. Anything else (an argument, a directive, a fragment) is executed every time.
pub fn reads_only_own_fields(operation: &OperationDefinition) -> bool {
    operation.ty == OperationType::Query
        && operation.directives.is_empty()
        && only_fields(&operation.selection_set.node, |field| match field.name.node.as_str() {
            "__typename" => is_leaf(field),
            "me" => {
                is_plain(field)
                    && only_fields(&field.selection_set.node, |own| {
                        OWN_FIELDS.contains(&own.name.node.as_str()) && is_leaf(own)
                    })
            }
            _ => false,
        })
}

fn only_fields(set: &SelectionSet, accept: impl Fn(&Field) -> bool) -> bool {
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => accept(&field.node),
        Selection::FragmentSpread(_) | Selection::InlineFragment(_) => false,
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

    fn accepted(query: &str) -> bool {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let operation = document.operations.iter().next().unwrap().1;
        reads_only_own_fields(&operation.node)
    }

    #[test]
    fn a_query_of_own_fields_is_kept() {
        assert!(accepted("{ me { id username } }"));
        assert!(accepted("query Me { __typename me { id documentId username email confirmed blocked __typename } }"));
        assert!(accepted("{ a: me { name: username } b: me { id } }"));
    }

    #[test]
    fn anything_that_reads_more_or_may_vary_is_executed() {
        for query in [
            "{ me { id role { name } } }",
            "{ me { id } checkPermission(action: \"x\") }",
            "{ usersPermissionsUsers { username } }",
            "{ me @include(if: true) { id } }",
            "{ me { id @skip(if: false) } }",
            "query Me @cached { me { id } }",
            "{ me { ...own } } fragment own on UsersPermissionsMe { id }",
            "{ me { ... on UsersPermissionsMe { id } } }",
            "mutation { me { id } }",
        ] {
            assert!(!accepted(query), "{query}");
        }
    }
}
