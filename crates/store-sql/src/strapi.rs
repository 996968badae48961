//! Reading a Strapi 4 or 5 database (SQLite or PostgreSQL) for the import: the
//! users-permissions plugin's tables and its two `strapi_core_store_settings` entries. The
//! database is opened read-only (SQLite `mode=ro`, PostgreSQL read-only transactions), so the
//! import cannot change it.

use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row, query};

use crate::{Backend, redact};
use gatehouse_core::import::strapi::{
    StrapiDatabase, StrapiPermissionRow, StrapiRoleRow, StrapiSource, StrapiUserRow, StrapiVersion,
};

/// A Strapi database, open for reading.
pub struct StrapiDb {
    pool: AnyPool,
    backend: Backend,
}

/// Opens the Strapi database at `url` (`sqlite://…/.tmp/data.db` or `postgres://…`) read-only.
pub async fn open(url: &str) -> anyhow::Result<StrapiDb> {
    sqlx::any::install_default_drivers();
    let (url, backend) = if let Some(path) = url.strip_prefix("sqlite:") {
        let file = path.split('?').next().unwrap_or_default();
        let file = file.strip_prefix("//").unwrap_or(file);
        if file.is_empty() || !std::path::Path::new(file).is_file() {
            bail!("no Strapi database file at {file:?}");
        }
        (format!("sqlite://{file}?mode=ro"), Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        (url.to_string(), Backend::Postgres)
    } else {
        bail!("a Strapi database URL starts with sqlite:// or postgres://");
    };
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                let statement = match backend {
                    Backend::Sqlite => "PRAGMA query_only = ON",
                    Backend::Postgres => "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                };
                sqlx::query(statement).execute(&mut *conn).await?;
                Ok(())
            })
        })
        .connect(&url)
        .await
        .with_context(|| format!("cannot open the Strapi database at {}", redact(&url)))?;
    Ok(StrapiDb { pool, backend })
}

impl StrapiDb {
    async fn names(&self, text: String) -> anyhow::Result<Vec<String>> {
        let rows = query(sqlx::AssertSqlSafe(text)).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>("name")?)).collect()
    }

    async fn tables(&self) -> anyhow::Result<Vec<String>> {
        self.names(match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'".into(),
            Backend::Postgres => "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
                                  WHERE table_schema = current_schema()"
                .into(),
        })
        .await
    }

    async fn columns(&self, table: &str) -> anyhow::Result<Vec<String>> {
        self.names(match self.backend {
            Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
            Backend::Postgres => format!(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}'"
            ),
        })
        .await
    }

    /// Which Strapi made the database, from its tables; an error names what was found.
    async fn version(&self) -> anyhow::Result<StrapiVersion> {
        let tables = self.tables().await?;
        let has = |name: &str| tables.iter().any(|t| t == name);
        if has("up_users") {
            let documents = self.columns("up_users").await?.iter().any(|c| c == "document_id");
            if has("up_users_role_lnk") && documents {
                return Ok(StrapiVersion::V5);
            }
            if has("up_users_role_links") {
                return Ok(StrapiVersion::V4);
            }
            bail!(
                "the database has up_users but neither up_users_role_lnk (Strapi 5) nor up_users_role_links (Strapi 4)"
            );
        }
        if has("users-permissions_user") {
            bail!(
                "this is a Strapi 3 database (table users-permissions_user): the import reads Strapi 4 and 5 \
                 databases; migrate it to Strapi 4 or 5 first"
            );
        }
        bail!("no up_users table: not a Strapi 4 or 5 database with the users-permissions plugin")
    }

    /// A datetime column as epoch milliseconds: Strapi writes integers on SQLite (older
    /// versions text) and `timestamp` on PostgreSQL.
    fn millis(&self, column: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!(
                "CASE typeof({column}) WHEN 'integer' THEN {column} WHEN 'real' THEN CAST({column} AS INTEGER) \
                 WHEN 'text' THEN CAST(ROUND((julianday({column}) - 2440587.5) * 86400000) AS INTEGER) END AS {column}"
            ),
            Backend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column}) * 1000) AS BIGINT) AS {column}"),
        }
    }

    fn flag(column: &str) -> String {
        format!("CAST(CASE WHEN {column} THEN 1 ELSE 0 END AS BIGINT) AS {column}")
    }

    fn published(version: StrapiVersion) -> &'static str {
        match version {
            StrapiVersion::V5 => "CAST(CASE WHEN published_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS published",
            StrapiVersion::V4 => "CAST(1 AS BIGINT) AS published",
        }
    }

    fn document(version: StrapiVersion) -> &'static str {
        match version {
            StrapiVersion::V5 => "document_id",
            StrapiVersion::V4 => "CAST(NULL AS TEXT) AS document_id",
        }
    }

    async fn rows(&self, text: String) -> anyhow::Result<Vec<AnyRow>> {
        Ok(query(sqlx::AssertSqlSafe(text)).fetch_all(&self.pool).await?)
    }

    async fn users(&self, version: StrapiVersion) -> anyhow::Result<Vec<StrapiUserRow>> {
        let text = format!(
            "SELECT CAST(id AS BIGINT) AS id, {}, username, email, provider, password, {}, {}, {}, {}, {} \
             FROM up_users ORDER BY id",
            Self::document(version),
            Self::flag("confirmed"),
            Self::flag("blocked"),
            self.millis("created_at"),
            self.millis("updated_at"),
            Self::published(version),
        );
        let rows = self.rows(text).await.context("cannot read up_users")?;
        rows.iter()
            .map(|r| {
                Ok(StrapiUserRow {
                    id: r.try_get("id")?,
                    document_id: r.try_get("document_id")?,
                    username: r.try_get("username")?,
                    email: r.try_get("email")?,
                    provider: r.try_get("provider")?,
                    password: r.try_get("password")?,
                    confirmed: r.try_get::<i64, _>("confirmed")? != 0,
                    blocked: r.try_get::<i64, _>("blocked")? != 0,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    published: r.try_get::<i64, _>("published")? != 0,
                })
            })
            .collect()
    }

    async fn roles(&self, version: StrapiVersion) -> anyhow::Result<Vec<StrapiRoleRow>> {
        let text = format!(
            "SELECT CAST(id AS BIGINT) AS id, {}, name, description, type, {}, {}, {} FROM up_roles ORDER BY id",
            Self::document(version),
            self.millis("created_at"),
            self.millis("updated_at"),
            Self::published(version),
        );
        let rows = self.rows(text).await.context("cannot read up_roles")?;
        rows.iter()
            .map(|r| {
                Ok(StrapiRoleRow {
                    id: r.try_get("id")?,
                    document_id: r.try_get("document_id")?,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    kind: r.try_get("type")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    published: r.try_get::<i64, _>("published")? != 0,
                })
            })
            .collect()
    }

    async fn permissions(&self) -> anyhow::Result<Vec<StrapiPermissionRow>> {
        let rows = self
            .rows("SELECT CAST(id AS BIGINT) AS id, action FROM up_permissions ORDER BY id".into())
            .await
            .context("cannot read up_permissions")?;
        rows.iter().map(|r| Ok(StrapiPermissionRow { id: r.try_get("id")?, action: r.try_get("action")? })).collect()
    }

    /// A link table's (row, role) pairs, in the order they were written.
    async fn links(&self, table: &str, column: &str) -> anyhow::Result<Vec<(i64, i64)>> {
        let text = format!(
            "SELECT CAST({column} AS BIGINT) AS row_id, CAST(role_id AS BIGINT) AS role_id FROM {table} \
             WHERE {column} IS NOT NULL AND role_id IS NOT NULL ORDER BY id"
        );
        let rows = self.rows(text).await.with_context(|| format!("cannot read {table}"))?;
        rows.iter().map(|r| Ok((r.try_get("row_id")?, r.try_get("role_id")?))).collect()
    }

    /// The JSON text of a `strapi_core_store_settings` entry (the latest, if there are several).
    async fn store_value(&self, key: &str) -> anyhow::Result<Option<String>> {
        let row = query("SELECT value FROM strapi_core_store_settings WHERE \"key\" = $1 ORDER BY id DESC LIMIT 1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .context("cannot read strapi_core_store_settings")?;
        Ok(row.map(|r| r.try_get::<Option<String>, _>("value")).transpose()?.flatten())
    }
}

#[async_trait]
impl StrapiSource for StrapiDb {
    async fn read(&self) -> anyhow::Result<StrapiDatabase> {
        let version = self.version().await?;
        let suffix = match version {
            StrapiVersion::V5 => "lnk",
            StrapiVersion::V4 => "links",
        };
        let has_store = self.tables().await?.iter().any(|t| t == "strapi_core_store_settings");
        let (advanced_settings, email_templates) = if has_store {
            (
                self.store_value("plugin_users-permissions_advanced").await?,
                self.store_value("plugin_users-permissions_email").await?,
            )
        } else {
            (None, None)
        };
        Ok(StrapiDatabase {
            version,
            users: self.users(version).await?,
            roles: self.roles(version).await?,
            permissions: self.permissions().await?,
            user_roles: self.links(&format!("up_users_role_{suffix}"), "user_id").await?,
            permission_roles: self.links(&format!("up_permissions_role_{suffix}"), "permission_id").await?,
            advanced_settings,
            email_templates,
        })
    }
}
