//! `import` and `export` work on the configured database directly (they need password
//! hashes, which no API returns): storage and a core, without listeners.

use std::sync::Arc;

use crate::config::Config;
use crate::core::mail::Mailer;
use crate::core::model::normalize_domain;
use crate::core::{Core, Domain};
use crate::storage;

/// Opens the configured storage and starts a core on it, as `serve` does.
pub async fn open_core(config: &Config) -> anyhow::Result<Arc<Core>> {
    let store = storage::open(&config.storage.url, config.storage.pool_size).await?;
    let static_domains: Vec<String> = config
        .domains
        .iter()
        .map(|d| normalize_domain(&d.name).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()?;
    Core::start(
        store,
        &static_domains,
        config.jwt.secret.as_deref(),
        config.server.hash_threads,
        config.server.public_url.clone(),
        Mailer::new(config.smtp.url.as_deref(), config.smtp.outbox.clone(), &config.smtp.from)?,
    )
    .await
}

/// The domain named on the command line.
pub async fn domain(core: &Core, name: &str) -> anyhow::Result<Domain> {
    let name = normalize_domain(name).map_err(anyhow::Error::msg)?;
    core.domain(&name).await.map_err(|e| anyhow::anyhow!("{e}: {name}"))
}
