use async_trait::async_trait;

use crate::error::StoreResult;
use crate::model::Millis;

/// An email template as stored for one domain; `kind` is `reset_password` or `email_confirmation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub kind: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[async_trait]
pub trait TemplateStore: Send + Sync + 'static {
    /// The domain's customised templates (kinds never customised are absent).
    async fn email_templates(&self, domain_id: i64) -> StoreResult<Vec<StoredTemplate>>;
    async fn put_email_template(&self, domain_id: i64, template: &StoredTemplate, at: Millis) -> StoreResult<()>;
}
