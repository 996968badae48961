//! Bulk export of a domain's users, page by page, with their password hashes (for `import`).

use super::Core;
use super::error::CoreResult;
use super::model::Domain;
use super::store::ExportedUser;
use super::types::UserId;
use tracing::instrument;

impl Core {
    /// Up to `limit` users of the domain by id, from the first or after `after`: pass the last
    /// id of a page to get the next one.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn export_users(
        &self,
        domain: &Domain,
        after: Option<UserId>,
        limit: i64,
    ) -> CoreResult<Vec<ExportedUser>> {
        Ok(self.store.export_users(domain.id, after, limit).await?)
    }
}
