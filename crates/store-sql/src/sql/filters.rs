//! The core's listing model (`core::query`) as SQL: a WHERE clause and an ORDER BY built from
//! constant pieces, with every value bound. The same text runs on SQLite and PostgreSQL, so
//! only portable functions are used (`LOWER`, `REPLACE`, `SUBSTR`, `LENGTH`); text matching is
//! case-sensitive on both unless the operator says otherwise.

use sqlx::any::AnyArguments;
use sqlx::query::Query;

use gatehouse_core::query::{Column, Condition, Filter, ListQuery, Relation, Scalar, Sort, Subject};

/// A value to bind, in placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

impl From<&Scalar> for Bind {
    fn from(value: &Scalar) -> Self {
        match value {
            Scalar::Text(s) => Bind::Text(s.clone()),
            Scalar::Int(i) => Bind::Int(*i),
            Scalar::Bool(b) => Bind::Int(i64::from(*b)),
        }
    }
}

/// Collects bound values and hands out their placeholders (`$n`), numbering on from the values
/// the surrounding statement binds first.
pub(crate) struct Binds {
    values: Vec<Bind>,
    first: usize,
    aliases: usize,
}

impl Binds {
    /// `already` values are bound before these.
    pub fn after(already: usize) -> Self {
        Self { values: Vec::new(), first: already, aliases: 0 }
    }

    pub fn push(&mut self, value: Bind) -> String {
        self.values.push(value);
        format!("${}", self.first + self.values.len())
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("j{}", self.aliases)
    }

    pub fn apply<'q>(&self, mut query: Query<'q, sqlx::Any, AnyArguments>) -> Query<'q, sqlx::Any, AnyArguments> {
        for value in &self.values {
            query = match value {
                Bind::Text(s) => query.bind(s.clone()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        query
    }
}

/// The SQL column of `column` on `subject`'s table.
fn column_name(subject: Subject, column: Column) -> Option<&'static str> {
    let name = match (subject, column) {
        (Subject::User | Subject::Role, Column::Id) => "id",
        (Subject::User | Subject::Role, Column::DocumentId) => "document_id",
        (Subject::User | Subject::Role, Column::CreatedAt | Column::PublishedAt) => "created_at",
        (Subject::User | Subject::Role, Column::UpdatedAt) => "updated_at",
        (Subject::User, Column::Username) => "username",
        (Subject::User, Column::Email) => "email",
        (Subject::User, Column::Provider) => "provider",
        (Subject::User, Column::Confirmed) => "confirmed",
        (Subject::User, Column::Blocked) => "blocked",
        (Subject::Role, Column::Name) => "name",
        (Subject::Role, Column::Description) => "description",
        (Subject::Role, Column::Type) => "type",
        (Subject::Permission, Column::Action) => "action",
        _ => return None,
    };
    Some(name)
}

/// `filter` on the rows of `subject` named `alias`, as a boolean SQL expression.
pub(crate) fn where_sql(subject: Subject, alias: &str, filter: &Filter, binds: &mut Binds) -> anyhow::Result<String> {
    Ok(match filter {
        Filter::And(items) if items.is_empty() => "1 = 1".into(),
        Filter::Or(items) if items.is_empty() => "1 = 1".into(),
        Filter::And(items) => join(subject, alias, items, " AND ", binds)?,
        Filter::Or(items) => join(subject, alias, items, " OR ", binds)?,
        Filter::Not(inner) => format!("NOT ({})", where_sql(subject, alias, inner, binds)?),
        Filter::Field(column, condition) => {
            let name = column_name(subject, *column)
                .ok_or_else(|| anyhow::anyhow!("{column:?} is not an attribute of {subject:?}"))?;
            condition_sql(&format!("{alias}.{name}"), condition, binds)
        }
        Filter::Related(relation, inner) => {
            let related = binds.alias();
            let (table, target, join) = match relation {
                Relation::UserRole => ("roles", Subject::Role, format!("{related}.id = {alias}.role_id")),
                Relation::RoleUsers => ("users", Subject::User, format!("{related}.role_id = {alias}.id")),
                Relation::RolePermissions => {
                    ("permissions", Subject::Permission, format!("{related}.role_id = {alias}.id"))
                }
                Relation::PermissionRole => ("roles", Subject::Role, format!("{related}.id = {alias}.role_id")),
            };
            let inner = where_sql(target, &related, inner, binds)?;
            format!("EXISTS (SELECT 1 FROM {table} {related} WHERE {join} AND ({inner}))")
        }
    })
}

fn join(subject: Subject, alias: &str, items: &[Filter], separator: &str, binds: &mut Binds) -> anyhow::Result<String> {
    let parts = items
        .iter()
        .map(|item| where_sql(subject, alias, item, binds).map(|sql| format!("({sql})")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(parts.join(separator))
}

fn condition_sql(col: &str, condition: &Condition, binds: &mut Binds) -> String {
    let mut text = |s: &str| binds.push(Bind::Text(s.to_string()));
    match condition {
        Condition::Eq(v) => format!("{col} = {}", binds.push(v.into())),
        Condition::Ne(v) => format!("{col} <> {}", binds.push(v.into())),
        Condition::Eqi(s) => format!("LOWER({col}) = LOWER({})", text(s)),
        Condition::Nei(s) => format!("LOWER({col}) <> LOWER({})", text(s)),
        // Every text contains the empty text.
        Condition::Contains(s) | Condition::Containsi(s) if s.is_empty() => format!("{col} IS NOT NULL"),
        Condition::NotContains(s) | Condition::NotContainsi(s) if s.is_empty() => "1 = 0".into(),
        Condition::Contains(s) => format!("REPLACE({col}, {p}, '') <> {col}", p = text(s)),
        Condition::NotContains(s) => format!("REPLACE({col}, {p}, '') = {col}", p = text(s)),
        Condition::Containsi(s) => format!("REPLACE(LOWER({col}), LOWER({p}), '') <> LOWER({col})", p = text(s)),
        Condition::NotContainsi(s) => format!("REPLACE(LOWER({col}), LOWER({p}), '') = LOWER({col})", p = text(s)),
        Condition::StartsWith(s) => format!("SUBSTR({col}, 1, LENGTH({p})) = {p}", p = text(s)),
        Condition::EndsWith(s) => {
            format!(
                "(LENGTH({col}) >= LENGTH({p}) AND SUBSTR({col}, LENGTH({col}) - LENGTH({p}) + 1) = {p})",
                p = text(s)
            )
        }
        Condition::Gt(v) => format!("{col} > {}", binds.push(v.into())),
        Condition::Gte(v) => format!("{col} >= {}", binds.push(v.into())),
        Condition::Lt(v) => format!("{col} < {}", binds.push(v.into())),
        Condition::Lte(v) => format!("{col} <= {}", binds.push(v.into())),
        Condition::IsNull(true) => format!("{col} IS NULL"),
        Condition::IsNull(false) => format!("{col} IS NOT NULL"),
        Condition::In(values) if values.is_empty() => "1 = 0".into(),
        Condition::NotIn(values) if values.is_empty() => "1 = 1".into(),
        Condition::In(values) => format!("{col} IN ({})", list(values, binds)),
        Condition::NotIn(values) => format!("{col} NOT IN ({})", list(values, binds)),
        Condition::Between(low, high) => {
            format!("{col} BETWEEN {} AND {}", binds.push(low.into()), binds.push(high.into()))
        }
    }
}

fn list(values: &[Scalar], binds: &mut Binds) -> String {
    values.iter().map(|v| binds.push(v.into())).collect::<Vec<_>>().join(", ")
}

/// `ORDER BY` for `sort` on `subject`, ties broken by id (creation order).
pub(crate) fn order_sql(subject: Subject, alias: &str, sort: &[Sort]) -> anyhow::Result<String> {
    let mut terms = Vec::new();
    for s in sort {
        let name = column_name(subject, s.column)
            .ok_or_else(|| anyhow::anyhow!("{:?} is not an attribute of {subject:?}", s.column))?;
        terms.push(format!("{alias}.{name} {}", if s.descending { "DESC" } else { "ASC" }));
    }
    // Permissions have no id: an action is unique within its role.
    let tie = if subject == Subject::Permission { "action" } else { "id" };
    terms.push(format!("{alias}.{tie} ASC"));
    Ok(format!("ORDER BY {}", terms.join(", ")))
}

/// The `WHERE`, `ORDER BY`, `LIMIT` and `OFFSET` of a listing of `subject` rows named `alias`,
/// whose statement binds `already` values first (the first being the domain id).
pub(crate) fn listing_sql(
    subject: Subject,
    alias: &str,
    query: &ListQuery,
    already: usize,
) -> anyhow::Result<(String, Binds)> {
    let mut binds = Binds::after(already);
    let condition = match &query.filter {
        Some(filter) => format!(" AND ({})", where_sql(subject, alias, filter, &mut binds)?),
        None => String::new(),
    };
    let order = order_sql(subject, alias, &query.sort)?;
    // Both engines take a LIMIT; "no limit" is the largest one.
    let limit = binds.push(Bind::Int(query.window.limit.unwrap_or(i64::MAX)));
    let offset = binds.push(Bind::Int(query.window.start));
    Ok((format!("{condition} {order} LIMIT {limit} OFFSET {offset}"), binds))
}

/// ` AND (<filter>)` for a count, or nothing.
pub(crate) fn count_sql(
    subject: Subject,
    alias: &str,
    filter: Option<&Filter>,
    already: usize,
) -> anyhow::Result<(String, Binds)> {
    let mut binds = Binds::after(already);
    let condition = match filter {
        Some(filter) => format!(" AND ({})", where_sql(subject, alias, filter, &mut binds)?),
        None => String::new(),
    };
    Ok((condition, binds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_filters_number_their_placeholders_in_order() {
        let filter = Filter::And(vec![
            Filter::Field(Column::Username, Condition::StartsWith("al".into())),
            Filter::Not(Box::new(Filter::Field(Column::Blocked, Condition::Eq(Scalar::Bool(true))))),
            Filter::Related(
                Relation::UserRole,
                Box::new(Filter::Field(Column::Type, Condition::In(vec![Scalar::Text("a".into())]))),
            ),
        ]);
        let mut binds = Binds::after(1);
        let sql = where_sql(Subject::User, "u", &filter, &mut binds).unwrap();
        assert_eq!(
            sql,
            "(SUBSTR(u.username, 1, LENGTH($2)) = $2) AND (NOT (u.blocked = $3)) AND \
             (EXISTS (SELECT 1 FROM roles j1 WHERE j1.id = u.role_id AND (j1.type IN ($4))))"
        );
        assert_eq!(binds.values, vec![Bind::Text("al".into()), Bind::Int(1), Bind::Text("a".into())]);
    }

    #[test]
    fn attributes_of_another_subject_are_refused() {
        let filter = Filter::Field(Column::Username, Condition::Eq(Scalar::Text("x".into())));
        assert!(where_sql(Subject::Role, "r", &filter, &mut Binds::after(0)).is_err());
    }
}
