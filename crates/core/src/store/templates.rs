use async_trait::async_trait;

use crate::error::StoreResult;
use crate::mail::TemplateKind;
use crate::model::Millis;
use crate::types::DomainId;

/// An email template as stored for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub kind: TemplateKind,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[async_trait]
pub trait TemplateStore: Send + Sync + 'static {
    /// The domain's customised templates (kinds never customised are absent).
    async fn email_templates(&self, domain_id: DomainId) -> StoreResult<Vec<StoredTemplate>>;
    async fn put_email_template(&self, domain_id: DomainId, template: &StoredTemplate, at: Millis) -> StoreResult<()>;
}
