//! The core's listing model (`core::query`) as sea-query statements: a condition and an
//! ORDER BY built from the model, every value a bound parameter. sea-query numbers the
//! placeholders when the statement is written for its backend (see `statement.rs`). The same
//! statement runs on SQLite and PostgreSQL, so only portable functions are used (`LOWER`,
//! `REPLACE`, `SUBSTR`, `LENGTH`); text matching is case-sensitive on both unless the
//! operator says otherwise.

use sea_query::{Cond, Condition, Expr, ExprTrait, Func, Order, Query, SelectStatement, Value};

use gatehouse_core::query::{Column, Condition as Test, Filter, ListQuery, Relation, Scalar, Sort, Subject};

/// A value to bind. Booleans are stored as BIGINT.
fn value(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Text(text) => text.as_str().into(),
        Scalar::Int(int) => (*int).into(),
        Scalar::Bool(flag) => i64::from(*flag).into(),
    }
}

fn text(text: &str) -> Expr {
    Expr::val(text)
}

/// The rows of a listing: `subject`'s table, the name its rows go by, and the column that
/// ties them to their owner (a domain, or a role for permissions).
fn table(subject: Subject) -> (&'static str, &'static str, &'static str) {
    match subject {
        Subject::User => ("users", "u", "domain_id"),
        Subject::Role => ("roles", "r", "domain_id"),
        Subject::Permission => ("permissions", "p", "role_id"),
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

fn column(subject: Subject, alias: &str, column: Column) -> anyhow::Result<Expr> {
    let name =
        column_name(subject, column).ok_or_else(|| anyhow::anyhow!("{column:?} is not an attribute of {subject:?}"))?;
    Ok(Expr::col((alias.to_string(), name)))
}

/// Always true, always false: constant text, nothing to bind.
fn always(holds: bool) -> Expr {
    Expr::cust(if holds { "1 = 1" } else { "1 = 0" })
}

/// Names the rows of related tables in `EXISTS` subqueries: `j1`, `j2`, ...
#[derive(Default)]
struct Aliases(usize);

impl Aliases {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("j{}", self.0)
    }
}

/// `filter` on the rows of `subject` named `alias`.
fn condition(subject: Subject, alias: &str, filter: &Filter, aliases: &mut Aliases) -> anyhow::Result<Condition> {
    Ok(match filter {
        Filter::And(items) | Filter::Or(items) if items.is_empty() => Cond::all().add(always(true)),
        Filter::And(items) => join(Cond::all(), subject, alias, items, aliases)?,
        Filter::Or(items) => join(Cond::any(), subject, alias, items, aliases)?,
        Filter::Not(inner) => Cond::all().add(condition(subject, alias, inner, aliases)?).not(),
        Filter::Field(name, test) => Cond::all().add(test_expr(column(subject, alias, *name)?, test)),
        Filter::Related(relation, inner) => {
            let related = aliases.next();
            let (table, target, join) = joined(*relation, &related, alias);
            let inner = condition(target, &related, inner, aliases)?;
            let rows = Query::select()
                .expr(Expr::cust("1"))
                .from_as(table, related)
                .and_where(join)
                .cond_where(inner)
                .to_owned();
            Cond::all().add(Expr::exists(rows))
        }
    })
}

/// The table a relation leads to, its subject, and the condition joining its rows named
/// `related` to the rows named `alias`.
fn joined(relation: Relation, related: &str, alias: &str) -> (&'static str, Subject, Expr) {
    let (table, target, related_column, own_column) = match relation {
        Relation::UserRole => ("roles", Subject::Role, "id", "role_id"),
        Relation::RoleUsers => ("users", Subject::User, "role_id", "id"),
        Relation::RolePermissions => ("permissions", Subject::Permission, "role_id", "id"),
        Relation::PermissionRole => ("roles", Subject::Role, "id", "role_id"),
    };
    let join = Expr::col((related.to_string(), related_column)).equals((alias.to_string(), own_column));
    (table, target, join)
}

fn join(
    mut joined: Condition,
    subject: Subject,
    alias: &str,
    items: &[Filter],
    aliases: &mut Aliases,
) -> anyhow::Result<Condition> {
    for item in items {
        joined = joined.add(condition(subject, alias, item, aliases)?);
    }
    Ok(joined)
}

fn length(expr: Expr) -> Expr {
    Func::cust("LENGTH").arg(expr).into()
}

fn lower(expr: Expr) -> Expr {
    Func::lower(expr).into()
}

/// `REPLACE(col, part, '')`: differs from `col` exactly when `col` contains `part`.
fn without(col: Expr, part: Expr) -> Expr {
    Func::cust("REPLACE").args([col, part, Expr::cust("''")]).into()
}

fn test_expr(col: Expr, test: &Test) -> Expr {
    match test {
        Test::Eq(v) => col.eq(value(v)),
        Test::Ne(v) => col.ne(value(v)),
        Test::Eqi(s) => lower(col).eq(lower(text(s))),
        Test::Nei(s) => lower(col).ne(lower(text(s))),
        // Every text contains the empty text.
        Test::Contains(s) | Test::Containsi(s) if s.is_empty() => col.is_not_null(),
        Test::NotContains(s) | Test::NotContainsi(s) if s.is_empty() => always(false),
        Test::Contains(s) => without(col.clone(), text(s)).ne(col),
        Test::NotContains(s) => without(col.clone(), text(s)).eq(col),
        Test::Containsi(s) => without(lower(col.clone()), lower(text(s))).ne(lower(col)),
        Test::NotContainsi(s) => without(lower(col.clone()), lower(text(s))).eq(lower(col)),
        Test::StartsWith(s) => {
            Expr::from(Func::cust("SUBSTR").args([col, Expr::cust("1"), length(text(s))])).eq(text(s))
        }
        Test::EndsWith(s) => {
            let start = length(col.clone()).sub(length(text(s))).add(Expr::cust("1"));
            let tail = Expr::from(Func::cust("SUBSTR").args([col.clone(), start]));
            length(col).gte(length(text(s))).and(tail.eq(text(s)))
        }
        Test::Gt(v) => col.gt(value(v)),
        Test::Gte(v) => col.gte(value(v)),
        Test::Lt(v) => col.lt(value(v)),
        Test::Lte(v) => col.lte(value(v)),
        Test::IsNull(true) => col.is_null(),
        Test::IsNull(false) => col.is_not_null(),
        Test::In(values) if values.is_empty() => always(false),
        Test::NotIn(values) if values.is_empty() => always(true),
        Test::In(values) => col.is_in(values.iter().map(value)),
        Test::NotIn(values) => col.is_not_in(values.iter().map(value)),
        Test::Between(low, high) => col.between(value(low), value(high)),
    }
}

/// `sort` on `subject` rows named `alias`, ties broken by id (creation order). An attribute
/// of a to-one relation is read by a subquery, which keeps one row per record.
fn order(statement: &mut SelectStatement, subject: Subject, alias: &str, sort: &[Sort]) -> anyhow::Result<()> {
    for (i, term) in sort.iter().enumerate() {
        let attribute = |owner: Subject| {
            column_name(owner, term.column)
                .ok_or_else(|| anyhow::anyhow!("{:?} is not an attribute of {owner:?}", term.column))
        };
        let value = match term.via {
            Some(relation) => {
                let related = format!("o{i}");
                let (table, target, join) = joined(relation, &related, alias);
                let read = Query::select()
                    .column((related.clone(), attribute(target)?))
                    .from_as(table, related)
                    .and_where(join)
                    .to_owned();
                Expr::SubQuery(None, Box::new(read.into()))
            }
            None => Expr::col((alias.to_string(), attribute(subject)?)),
        };
        statement.order_by_expr(value, if term.descending { Order::Desc } else { Order::Asc });
    }
    // Permissions have no id: an action is unique within its role.
    let tie = if subject == Subject::Permission { "action" } else { "id" };
    statement.order_by((alias.to_string(), tie), Order::Asc);
    Ok(())
}

/// `FROM <table> WHERE <owner> = owner AND <filter>`: the rows of `subject` that belong to
/// `owner` (a domain id, a role id for permissions) and match `filter`; nothing selected yet.
fn matching(subject: Subject, owner: i64, filter: Option<&Filter>) -> anyhow::Result<SelectStatement> {
    let (table, alias, owner_column) = table(subject);
    let mut statement = Query::select();
    statement.from_as(table, alias).and_where(Expr::col((alias, owner_column)).eq(owner));
    if let Some(filter) = filter {
        statement.cond_where(condition(subject, alias, filter, &mut Aliases::default())?);
    }
    Ok(statement)
}

/// A listing: `columns` (constant text) of the rows of `subject` that belong to `owner` and
/// match the query's filter, in its order, within its window.
pub(crate) fn listing(
    subject: Subject,
    columns: &'static str,
    owner: i64,
    query: &ListQuery,
) -> anyhow::Result<SelectStatement> {
    let mut statement = matching(subject, owner, query.filter.as_ref())?;
    statement.expr(Expr::cust(columns));
    order(&mut statement, subject, table(subject).1, &query.sort)?;
    // Both engines take a LIMIT; "no limit" is the largest one. Windows are never negative.
    let limit = query.window.limit.unwrap_or(i64::MAX);
    statement.limit(u64::try_from(limit).unwrap_or(0)).offset(u64::try_from(query.window.start).unwrap_or(0));
    Ok(statement)
}

/// Keeps a permission statement to roles of `domain_id`: permissions are owned by a role, and
/// the role by its domain.
pub(crate) fn of_domain(statement: &mut SelectStatement, domain_id: i64) {
    let own = Query::select()
        .expr(Expr::cust("1"))
        .from_as("roles", "own")
        .and_where(Expr::col(("own", "id")).equals(("p", "role_id")))
        .and_where(Expr::col(("own", "domain_id")).eq(domain_id))
        .to_owned();
    statement.and_where(Expr::exists(own));
}

/// `SELECT COUNT(*) AS n` of the rows of `subject` that belong to `owner` and match `filter`.
pub(crate) fn count(subject: Subject, owner: i64, filter: Option<&Filter>) -> anyhow::Result<SelectStatement> {
    let mut statement = matching(subject, owner, filter)?;
    statement.expr_as(Expr::cust("COUNT(*)"), "n");
    Ok(statement)
}

#[cfg(test)]
mod tests;
