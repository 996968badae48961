//! Fresh databases for the test suites of every crate: a new SQLite file, or a new database on
//! the PostgreSQL server named by `GATEHOUSE_TEST_DATABASE_URL`.

use std::path::Path;

use sqlx::Connection;

/// Where the test PostgreSQL server is, when the suite runs on PostgreSQL.
pub const DATABASE_URL_VARIABLE: &str = "GATEHOUSE_TEST_DATABASE_URL";

/// A URL naming a database no test has used: an SQLite file in `dir`, or a database created
/// for the caller on the test PostgreSQL server.
pub async fn fresh_database_url(dir: &Path) -> String {
    match std::env::var(DATABASE_URL_VARIABLE) {
        Ok(server) if !server.is_empty() => {
            sqlx::any::install_default_drivers();
            let name = format!("gatehouse_test_{}", gatehouse_core::model::new_document_id());
            let mut conn = sqlx::AnyConnection::connect(&server).await.expect("connect to test PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = server.rsplit_once('/').map(|(base, _)| base).expect("database URL with a path");
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.join("gatehouse.db").display()),
    }
}
