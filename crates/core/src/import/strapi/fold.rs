//! Strapi 5's document model: every row is one version (draft, published, a locale) of a
//! document named by `document_id`. The import wants one record per document: the published
//! row, else the latest one; the relations of every row of a document count for it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{StrapiDatabase, StrapiRoleRow, StrapiUserRow};

/// A role with the actions of every permission linked to any of its rows.
#[derive(Debug, Clone)]
pub(super) struct FoldedRole {
    pub row: StrapiRoleRow,
    pub actions: BTreeSet<String>,
}

/// A user with the id of its role's chosen row.
#[derive(Debug, Clone)]
pub(super) struct FoldedUser {
    pub row: StrapiUserRow,
    pub role: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Folded {
    /// By id.
    pub roles: Vec<FoldedRole>,
    /// By id.
    pub users: Vec<FoldedUser>,
    /// Rows left out because another row of the same document was chosen.
    pub duplicates: usize,
}

/// Which row of a document stands for it: published first, then the latest update, then the
/// lowest id (the first one written).
fn preference(published: bool, updated_at: Option<i64>, id: i64) -> (bool, Option<i64>, std::cmp::Reverse<i64>) {
    (published, updated_at, std::cmp::Reverse(id))
}

/// Groups row ids by document (a row without a document id is a document of its own) and
/// maps every row id to the chosen row's id.
fn choose<T>(
    rows: &[T],
    id: impl Fn(&T) -> i64,
    document: impl Fn(&T) -> Option<&str>,
    rank: impl Fn(&T) -> (bool, Option<i64>, std::cmp::Reverse<i64>),
) -> HashMap<i64, i64> {
    let mut chosen: HashMap<String, &T> = HashMap::new();
    for row in rows {
        let key = document(row).map_or_else(|| format!("#{}", id(row)), |d| format!("d{d}"));
        let best = chosen.entry(key).or_insert(row);
        if rank(row) > rank(best) {
            *best = row;
        }
    }
    rows.iter()
        .map(|row| {
            let key = document(row).map_or_else(|| format!("#{}", id(row)), |d| format!("d{d}"));
            (id(row), id(chosen[&key]))
        })
        .collect()
}

pub(super) fn fold(database: StrapiDatabase) -> Folded {
    let role_of_row = choose(
        &database.roles,
        |r| r.id,
        |r| r.document_id.as_deref(),
        |r| preference(r.published, r.updated_at, r.id),
    );
    let user_of_row = choose(
        &database.users,
        |u| u.id,
        |u| u.document_id.as_deref(),
        |u| preference(u.published, u.updated_at, u.id),
    );

    let action_of: HashMap<i64, &str> =
        database.permissions.iter().filter_map(|p| Some((p.id, p.action.as_deref()?))).collect();
    let mut actions: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (permission, role) in &database.permission_roles {
        if let (Some(action), Some(role)) = (action_of.get(permission), role_of_row.get(role)) {
            actions.entry(*role).or_default().insert(action.to_string());
        }
    }

    // A user's role: the link of its chosen row, else a link of another row of its document.
    let mut role_of_user: HashMap<i64, i64> = HashMap::new();
    for own_row in [true, false] {
        for (user, role) in &database.user_roles {
            let (Some(&chosen_user), Some(&chosen_role)) = (user_of_row.get(user), role_of_row.get(role)) else {
                continue;
            };
            if (chosen_user == *user) == own_row {
                role_of_user.entry(chosen_user).or_insert(chosen_role);
            }
        }
    }

    let mut duplicates = 0;
    let mut roles = Vec::new();
    for row in database.roles {
        if role_of_row[&row.id] != row.id {
            duplicates += 1;
            continue;
        }
        let actions = actions.remove(&row.id).unwrap_or_default();
        roles.push(FoldedRole { row, actions });
    }
    let mut users = Vec::new();
    for row in database.users {
        if user_of_row[&row.id] != row.id {
            duplicates += 1;
            continue;
        }
        let role = role_of_user.get(&row.id).copied();
        users.push(FoldedUser { row, role });
    }
    roles.sort_by_key(|r| r.row.id);
    users.sort_by_key(|u| u.row.id);
    Folded { roles, users, duplicates }
}

#[cfg(test)]
mod tests {
    use super::super::{StrapiPermissionRow, StrapiVersion};
    use super::*;

    fn user(id: i64, document: &str, published: bool, username: &str) -> StrapiUserRow {
        StrapiUserRow {
            id,
            document_id: Some(document.into()),
            username: Some(username.into()),
            published,
            updated_at: Some(id),
            ..Default::default()
        }
    }

    fn role(id: i64, document: &str, published: bool) -> StrapiRoleRow {
        StrapiRoleRow {
            id,
            document_id: Some(document.into()),
            published,
            kind: Some("editor".into()),
            ..Default::default()
        }
    }

    #[test]
    fn drafts_and_published_rows_of_a_document_become_one_record_with_every_relation() {
        let database = StrapiDatabase {
            version: StrapiVersion::V5,
            // Document "a": a draft (1) and its published row (2); "b" has a draft only.
            users: vec![user(1, "a", false, "ann-draft"), user(2, "a", true, "ann"), user(3, "b", false, "bob")],
            // Role document "r": a published row (5) and a later draft (6).
            roles: vec![role(5, "r", true), role(6, "r", false)],
            permissions: vec![
                StrapiPermissionRow { id: 10, action: Some("api::a.a.find".into()) },
                StrapiPermissionRow { id: 11, action: Some("api::a.a.create".into()) },
                StrapiPermissionRow { id: 12, action: None },
            ],
            // Ann's published row has no link; her draft's link counts.
            user_roles: vec![(1, 6), (3, 5)],
            permission_roles: vec![(10, 5), (11, 6), (12, 5)],
            advanced_settings: None,
            email_templates: None,
        };
        let folded = fold(database);
        assert_eq!(folded.duplicates, 2);
        let users: Vec<(i64, &str, Option<i64>)> =
            folded.users.iter().map(|u| (u.row.id, u.row.username.as_deref().unwrap(), u.role)).collect();
        assert_eq!(users, [(2, "ann", Some(5)), (3, "bob", Some(5))]);
        assert_eq!(folded.roles.len(), 1);
        assert_eq!(folded.roles[0].row.id, 5);
        let actions: Vec<&str> = folded.roles[0].actions.iter().map(String::as_str).collect();
        assert_eq!(actions, ["api::a.a.create", "api::a.a.find"]);
    }

    #[test]
    fn rows_without_document_ids_are_documents_of_their_own() {
        let mut first = user(1, "", true, "ann");
        first.document_id = None;
        let mut second = user(2, "", true, "bob");
        second.document_id = None;
        let database = StrapiDatabase {
            version: StrapiVersion::V4,
            users: vec![first, second],
            roles: vec![],
            permissions: vec![],
            user_roles: vec![],
            permission_roles: vec![],
            advanced_settings: None,
            email_templates: None,
        };
        let folded = fold(database);
        assert_eq!((folded.users.len(), folded.duplicates), (2, 0));
    }
}
