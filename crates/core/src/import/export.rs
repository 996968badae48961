//! Bulk export of a domain's users, page by page, with their password hashes (for `import`).

use super::Imports;
use crate::error::CoreResult;
use crate::model::Domain;
use crate::store::ExportedUser;
use crate::types::UserId;
use tracing::instrument;

impl Imports {
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
