//! Rows that keep the ids they had elsewhere (an import from Strapi): which ids were never
//! given out, and moving each backend's counter past the ids about to be written.

use sqlx::{Row, query};

use super::{SqlResult, SqlStore, sql};
use crate::Backend;
use gatehouse_core::error::StoreResult;
use gatehouse_core::store::NumberedTable;

/// Values per `IN (...)` list.
const VALUES_PER_LOOKUP: usize = 500;

pub(super) fn table_name(table: NumberedTable) -> &'static str {
    match table {
        NumberedTable::Users => "users",
        NumberedTable::Roles => "roles",
    }
}

impl SqlStore {
    pub(super) async fn highest_id(&self, table: NumberedTable) -> StoreResult<i64> {
        let table = table_name(table);
        // The counter remembers ids of deleted rows; the rows may hold ids the counter never gave.
        let text = match self.backend {
            Backend::Sqlite => format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0)) AS high"
            ),
            Backend::Postgres => format!(
                "SELECT GREATEST(COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')::regclass), 0), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0))::BIGINT AS high"
            ),
        };
        let row = query(sql(text)).fetch_one(&self.pool).await.db()?;
        row.try_get::<i64, _>("high").db()
    }

    pub(super) async fn advance_ids(&self, table: NumberedTable, through: i64) -> StoreResult<()> {
        let table = table_name(table);
        match self.backend {
            Backend::Sqlite => {
                // AUTOINCREMENT numbers after the larger of this row and the table's largest id.
                let mut tx = self.pool.begin().await.db()?;
                query(sql(format!("UPDATE sqlite_sequence SET seq = $1 WHERE name = '{table}' AND seq < $1")))
                    .bind(through)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                query(sql(format!(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', $1 \
                     WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table}')"
                )))
                .bind(through)
                .execute(&mut *tx)
                .await
                .db()?;
                tx.commit().await.db()?;
            }
            Backend::Postgres => {
                // setval takes effect at once, outside any transaction: the server's own
                // inserts number above `through` from now on.
                query(sql(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1) \
                     WHERE COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')::regclass), 0) < $1"
                )))
                .bind(through)
                .fetch_all(&self.pool)
                .await
                .db()?;
            }
        }
        Ok(())
    }

    pub(super) async fn document_ids_taken(
        &self,
        table: NumberedTable,
        document_ids: &[String],
    ) -> StoreResult<Vec<String>> {
        let table = table_name(table);
        let mut taken = Vec::new();
        for chunk in document_ids.chunks(VALUES_PER_LOOKUP) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let text = format!("SELECT document_id FROM {table} WHERE document_id IN ({})", placeholders.join(", "));
            let statement = chunk.iter().fold(query(sql(text)), |q, d| q.bind(d.as_str()));
            for row in statement.fetch_all(&self.pool).await.db()? {
                taken.push(row.try_get("document_id").db()?);
            }
        }
        Ok(taken)
    }
}
