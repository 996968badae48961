use async_trait::async_trait;
use sqlx::{Row, query};

use super::{SqlResult, SqlStore};
use anyhow::Context;
use gatehouse_core::error::StoreResult;
use gatehouse_core::mail::TemplateKind;
use gatehouse_core::model::Millis;
use gatehouse_core::store::{StoredTemplate, TemplateStore};
use gatehouse_core::types::DomainId;

#[async_trait]
impl TemplateStore for SqlStore {
    async fn email_templates(&self, domain_id: DomainId) -> StoreResult<Vec<StoredTemplate>> {
        let rows =
            query("SELECT kind, subject, text_body, html_body FROM email_templates WHERE domain_id = $1 ORDER BY kind")
                .bind(domain_id.get())
                .fetch_all(&self.pool)
                .await
                .db()?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind").db()?;
                Ok(StoredTemplate {
                    kind: TemplateKind::parse(&kind)
                        .with_context(|| format!("unknown email template kind {kind:?}"))?,
                    subject: row.try_get("subject").db()?,
                    text: row.try_get("text_body").db()?,
                    html: row.try_get("html_body").db()?,
                })
            })
            .collect()
    }

    async fn put_email_template(&self, domain_id: DomainId, template: &StoredTemplate, at: Millis) -> StoreResult<()> {
        query(
            "INSERT INTO email_templates (domain_id, kind, subject, text_body, html_body, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (domain_id, kind) DO UPDATE SET subject = excluded.subject, \
             text_body = excluded.text_body, html_body = excluded.html_body, updated_at = excluded.updated_at",
        )
        .bind(domain_id.get())
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
