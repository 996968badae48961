//! The start of storage and core from the configuration, shared by `serve` and the commands
//! that work on the database directly (`import`, `export`: they need password hashes, which
//! no API returns).

use std::sync::Arc;

use gatehouse_core::mail::Mailer;
use gatehouse_core::{Core, CoreOptions, DomainName};
use gatehouse_mail::Delivery;

use crate::config::Config;

/// Opens (and migrates) the configured storage and starts a core on it.
pub async fn open_core(config: &Config) -> anyhow::Result<Arc<Core>> {
    gatehouse_api::admin::install_log_levels(&crate::telemetry::ProcessLog);
    let store = gatehouse_store_sql::open(&config.storage.url, config.storage.pool_size).await?;
    let static_domains: Vec<DomainName> =
        config.domains.iter().map(|d| DomainName::parse(&d.name)).collect::<Result<_, _>>()?;
    Core::start(CoreOptions {
        store,
        static_domains,
        jwt_secret: config.jwt.secret.clone(),
        hash_threads: config.server.hash_threads,
        public_url: config.server.public_url.clone(),
        mailer: Mailer::new(Delivery::new(config.smtp.url.as_deref(), config.smtp.outbox.clone(), &config.smtp.from)?),
    })
    .await
}

/// Opens a Strapi database (`sqlite://…` or `postgres://…`) read-only, for `import --from-strapi`.
pub async fn open_strapi(url: &str) -> anyhow::Result<Box<dyn gatehouse_core::import::strapi::StrapiSource>> {
    Ok(Box::new(gatehouse_store_sql::strapi::open(url).await?))
}
