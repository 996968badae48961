//! Moving from Strapi: the rows of the users-permissions plugin as a Strapi 4 or 5 database
//! holds them, read by a `StrapiSource` (the storage crate reads SQLite and PostgreSQL), then
//! folded (`fold`), mapped to a domain's settings and templates (`settings`) and imported
//! (`apply`). The Strapi database is only read.

mod apply;
mod fold;
mod settings;

pub use apply::{StrapiImportOptions, StrapiImportSummary};
pub use settings::html_to_text;

use async_trait::async_trait;

use crate::model::Millis;

/// The Strapi major versions whose tables the import knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrapiVersion {
    /// `up_*` tables with `*_links` link tables, no document ids.
    V4,
    /// `up_*` tables with `document_id`, `published_at`, `locale` and `*_lnk` link tables.
    V5,
}

impl std::fmt::Display for StrapiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StrapiVersion::V4 => "Strapi 4",
            StrapiVersion::V5 => "Strapi 5",
        })
    }
}

/// One row of `up_users`, as stored (every column of Strapi's is nullable).
#[derive(Debug, Clone, Default)]
pub struct StrapiUserRow {
    pub id: i64,
    pub document_id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub provider: Option<String>,
    /// The bcrypt hash Strapi keeps in `password`.
    pub password: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    pub created_at: Option<Millis>,
    pub updated_at: Option<Millis>,
    /// `published_at` is set (always, on Strapi 4).
    pub published: bool,
}

/// One row of `up_roles`.
#[derive(Debug, Clone, Default)]
pub struct StrapiRoleRow {
    pub id: i64,
    pub document_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: Option<String>,
    pub created_at: Option<Millis>,
    pub updated_at: Option<Millis>,
    pub published: bool,
}

/// One row of `up_permissions`.
#[derive(Debug, Clone, Default)]
pub struct StrapiPermissionRow {
    pub id: i64,
    pub action: Option<String>,
}

/// What the import reads from a Strapi database: the plugin's rows, its link tables as
/// (row id, role row id) pairs, and its two `strapi_core_store_settings` values as JSON text.
#[derive(Debug, Clone)]
pub struct StrapiDatabase {
    pub version: StrapiVersion,
    pub users: Vec<StrapiUserRow>,
    pub roles: Vec<StrapiRoleRow>,
    pub permissions: Vec<StrapiPermissionRow>,
    /// `up_users_role_lnk` (`up_users_role_links` on Strapi 4): (user id, role id).
    pub user_roles: Vec<(i64, i64)>,
    /// `up_permissions_role_lnk` (`…_links`): (permission id, role id).
    pub permission_roles: Vec<(i64, i64)>,
    /// `plugin_users-permissions_advanced`.
    pub advanced_settings: Option<String>,
    /// `plugin_users-permissions_email`.
    pub email_templates: Option<String>,
}

/// A Strapi database to import from, opened read-only.
#[async_trait]
pub trait StrapiSource: Send + Sync {
    /// Reads the plugin's tables; an error names what was found when it is not a Strapi 4 or
    /// 5 database with the users-permissions plugin.
    async fn read(&self) -> anyhow::Result<StrapiDatabase>;
}
