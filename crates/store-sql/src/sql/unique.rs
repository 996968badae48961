//! Which unique rule of the schema a refused write broke. PostgreSQL names the constraint (or
//! unique index); SQLite names only the columns, in its message
//! ("UNIQUE constraint failed: users.domain_id, users.username").

use sqlx::error::DatabaseError;

use gatehouse_core::error::UniqueKey;

/// Every unique rule of the migrations but the row ids: its PostgreSQL name, and the columns
/// SQLite lists.
const RULES: &[(UniqueKey, &str, &str)] = &[
    (UniqueKey::DomainName, "domains_name_key", "domains.name"),
    (UniqueKey::Username, "users_domain_id_username_key", "users.domain_id, users.username"),
    (UniqueKey::RoleType, "roles_domain_id_type_key", "roles.domain_id, roles.type"),
    (UniqueKey::UserDocumentId, "users_document_id_key", "users.document_id"),
    (UniqueKey::RoleDocumentId, "roles_document_id_key", "roles.document_id"),
    (UniqueKey::ResetTokenHash, "users_reset_token", "users.reset_token_hash"),
    (UniqueKey::ConfirmationTokenHash, "users_confirmation_token", "users.confirmation_token_hash"),
    (UniqueKey::Permission, "permissions_pkey", "permissions.role_id, permissions.action"),
    (UniqueKey::EmailTemplate, "email_templates_pkey", "email_templates.domain_id, email_templates.kind"),
    (UniqueKey::MetaKey, "meta_pkey", "meta.key"),
    (UniqueKey::RateWindow, "rate_windows_pkey", "rate_windows.key"),
    (UniqueKey::SessionToken, "session_tokens_pkey", "session_tokens.hash"),
];

/// The rule a unique violation reports.
pub(crate) fn unique_key(error: &dyn DatabaseError) -> UniqueKey {
    let found = match error.constraint() {
        Some(name) => RULES.iter().find(|(_, constraint, _)| *constraint == name),
        None => {
            let columns = error.message().split_once("constraint failed: ").map(|(_, columns)| columns.trim());
            RULES.iter().find(|(_, _, listed)| Some(*listed) == columns)
        }
    };
    found.map_or(UniqueKey::Unknown, |(key, _, _)| *key)
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::RULES;
    use gatehouse_core::store::MetaStore;

    /// The migrations' unique rules as the database lists them, row ids aside: PostgreSQL's
    /// index names, or SQLite's column lists.
    async fn schema_rules(store: &crate::SqlStore) -> Vec<String> {
        let text = match store.backend() {
            "postgres" => {
                "SELECT c.relname::text AS rule FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE i.indisunique AND n.nspname = current_schema() AND t.relname <> '_sqlx_migrations' \
                 AND NOT (i.indisprimary AND i.indnatts = 1 AND EXISTS (SELECT 1 FROM pg_attribute a \
                 WHERE a.attrelid = t.oid AND a.attnum = i.indkey[0] AND a.attname = 'id'))"
            }
            _ => {
                "SELECT group_concat(rule, ', ') AS rule FROM (SELECT il.name AS idx, m.name || '.' || ii.name AS rule \
                 FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii \
                 WHERE m.type = 'table' AND m.name <> '_sqlx_migrations' AND il.\"unique\" = 1 \
                 ORDER BY il.name, ii.seqno) GROUP BY idx"
            }
        };
        let rows = sqlx::query(text).fetch_all(store.pool()).await.unwrap();
        let mut rules: Vec<String> = rows.iter().map(|row| row.try_get("rule").unwrap()).collect();
        // A text row id (`sessions.id`) has an index on SQLite, as no integer row id has.
        rules.retain(|rule| !rule.ends_with(".id"));
        rules.sort();
        rules
    }

    #[tokio::test]
    async fn every_unique_rule_of_the_schema_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::open(&crate::testing::fresh_database_url(dir.path()).await, 1).await.unwrap();
        let postgres = store.backend() == "postgres";
        let mut named: Vec<String> = RULES
            .iter()
            .map(|(_, constraint, columns)| if postgres { constraint } else { columns }.to_string())
            .collect();
        named.sort();
        assert_eq!(schema_rules(&store).await, named);
    }
}
