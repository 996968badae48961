//! Deep offsets of a domain's users, found by seeking instead of skipping rows.
//!
//! `ORDER BY key LIMIT n OFFSET m` reads and drops `m` rows. When the order is that of an
//! index on `(domain_id, key)` and the key is unique in the domain, the row at position `m`
//! is found by walking index entries alone, from whichever end of the domain is nearer (the
//! domain's user count is kept by the triggers of migration 0004), and the page is then the
//! range of the index that starts at that key: the same rows as the OFFSET, in one statement
//! (one snapshot). The walk costs one index entry per position skipped from the nearer end,
//! unless a checkpoint of `positions.rs` is near: then it starts there. A listing that must be
//! fast at any depth whatever changes pages by key instead (`username > $after`).

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::positions::{Key, Seek};
use gatehouse_core::query::{Column, ListQuery, Sort};

/// [`nth_user_key`], from the checkpoint of `seek` while the domain's users have not changed
/// since it was found (`$4` the change counter, `$5` its key, `$6` the entries from it), and
/// from the nearer end otherwise.
pub(crate) fn nth_user_key_from(key: &str, descending: bool, seek: Option<&Seek>) -> String {
    let walk = nth_user_key(key, descending);
    match seek {
        None => walk,
        Some(_) => format!(
            "CASE WHEN (SELECT user_changes FROM domains WHERE id = $1) = $4 \
             THEN (SELECT {key} FROM users WHERE domain_id = $1 AND {key} >= $5 ORDER BY {key} LIMIT 1 OFFSET $6) \
             ELSE {walk} END"
        ),
    }
}

/// Binds `$4`–`$6` of [`nth_user_key_from`] when it was given a seek. The statement is planned
/// for its own values each time: a plan kept for all values (PostgreSQL's generic plan, which
/// it may choose after a few executions near one end) could walk the domain from the other.
pub(crate) fn bind_seek<'q>(
    statement: Query<'q, Any, AnyArguments>,
    seek: Option<&Seek>,
) -> Query<'q, Any, AnyArguments> {
    let statement = statement.persistent(false);
    let Some(seek) = seek else { return statement };
    let statement = statement.bind(seek.changes);
    let statement = match &seek.from {
        Key::Id(id) => statement.bind(*id),
        Key::Name(name) => statement.bind(name.clone()),
    };
    statement.bind(seek.walk)
}

/// The key of the user at a position of the domain's users in `key` order (unique within a
/// domain, indexed with the domain first), as an SQL expression: NULL past the last user,
/// which no comparison matches. `$1` is the domain id, `$2` the position from 0.
pub(crate) fn nth_user_key(key: &str, descending: bool) -> String {
    let (near, far) = if descending { ("DESC", "ASC") } else { ("ASC", "DESC") };
    let count = "(SELECT user_count FROM domains WHERE id = $1)";
    // Both engines evaluate only the branch CASE takes, so one walk runs, from the nearer end.
    // `$2 < count - $2`, not `2 * $2 < count`: a position may be as large as an i64 is.
    format!(
        "CASE WHEN $2 < {count} - $2 \
         THEN (SELECT {key} FROM users WHERE domain_id = $1 ORDER BY {key} {near} LIMIT 1 OFFSET $2) \
         WHEN $2 < {count} \
         THEN (SELECT {key} FROM users WHERE domain_id = $1 ORDER BY {key} {far} LIMIT 1 OFFSET {count} - 1 - $2) \
         END"
    )
}

/// `Some(descending)` when `query` lists users in id order (the user API's default) from past
/// the first one, unfiltered: a listing [`users_from_position`] answers. A filtered listing
/// has rows to read whatever the order, so it keeps its OFFSET.
pub(crate) fn deep_in_id_order(query: &ListQuery) -> Option<bool> {
    if query.filter.is_some() || query.window.start <= 0 {
        return None;
    }
    match query.sort.as_slice() {
        [] => Some(false),
        [Sort { column: Column::Id, descending, via: None }] => Some(*descending),
        _ => None,
    }
}

/// `columns` of the domain's users in id order from the position `$2` on, at most `$3` of
/// them; `$1` is the domain id. The rows of `ORDER BY id LIMIT $3 OFFSET $2`.
pub(crate) fn users_from_position(columns: &str, descending: bool, seek: Option<&Seek>) -> String {
    let (from, order) = if descending { ("<=", "DESC") } else { (">=", "ASC") };
    format!(
        "SELECT {columns} FROM users WHERE domain_id = $1 AND id {from} ({}) ORDER BY id {order} LIMIT $3",
        nth_user_key_from("id", descending, seek)
    )
}
