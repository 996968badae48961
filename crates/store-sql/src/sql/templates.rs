use async_trait::async_trait;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore};
use gatehouse_core::error::StoreResult;
use gatehouse_core::model::Millis;
use gatehouse_core::store::{StoredTemplate, TemplateStore};

#[async_trait]
impl TemplateStore for SqlStore {
    async fn email_templates(&self, domain_id: i64) -> StoreResult<Vec<StoredTemplate>> {
        let rows =
            query("SELECT kind, subject, text_body, html_body FROM email_templates WHERE domain_id = $1 ORDER BY kind")
                .bind(domain_id)
                .fetch_all(&self.pool)
                .await
                .db()?;
        rows.iter()
            .map(|row| {
                Ok(StoredTemplate {
                    kind: row.try_get("kind").db()?,
                    subject: row.try_get("subject").db()?,
                    text: row.try_get("text_body").db()?,
                    html: row.try_get("html_body").db()?,
                })
            })
            .collect()
    }

    async fn put_email_template(&self, domain_id: i64, template: &StoredTemplate, at: Millis) -> StoreResult<()> {
        query(
            "INSERT INTO email_templates (domain_id, kind, subject, text_body, html_body, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (domain_id, kind) DO UPDATE SET subject = excluded.subject, \
             text_body = excluded.text_body, html_body = excluded.html_body, updated_at = excluded.updated_at",
        )
        .bind(domain_id)
        .bind(template.kind.as_str())
        .bind(template.subject.as_str())
        .bind(template.text.as_str())
        .bind(template.html.as_str())
        .bind(at)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }
}
