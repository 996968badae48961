//! Statements built with sea-query, written for the backend they run on (`?` placeholders on
//! SQLite, `$1, $2, ...` on PostgreSQL, numbered by sea-query) and run through sqlx with
//! their values bound in the same order. (sea-query-binder would bind them, but only for
//! sqlx 0.8.)

use sea_query::{PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder, Value};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, query};

use super::{SqlStore, sql};
use crate::Backend;

impl SqlStore {
    /// `statement` in this store's dialect, with its values bound.
    pub(crate) fn bound(&self, statement: &SelectStatement) -> anyhow::Result<Query<'static, Any, AnyArguments>> {
        let (text, values) = match self.backend {
            Backend::Sqlite => statement.build(SqliteQueryBuilder),
            Backend::Postgres => statement.build(PostgresQueryBuilder),
        };
        values.into_iter().try_fold(query(sql(text)), bind)
    }
}

/// Binds one value; the listing statements use text and 64-bit integers only.
fn bind(
    statement: Query<'static, Any, AnyArguments>,
    value: Value,
) -> anyhow::Result<Query<'static, Any, AnyArguments>> {
    Ok(match value {
        Value::String(Some(text)) => statement.bind(text),
        Value::BigInt(Some(int)) => statement.bind(int),
        // LIMIT and OFFSET.
        Value::BigUnsigned(Some(int)) => statement.bind(i64::try_from(int)?),
        other => anyhow::bail!("no binding for {other:?}"),
    })
}
