//! The start of storage and core from the configuration, shared by `serve` and the commands
//! that work on the database directly (`import`, `export`: they need password hashes, which
//! no API returns).

use std::sync::Arc;

use gatehouse_core::events::Actor;
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
    let core = Core::start(CoreOptions {
        store,
        static_domains,
        jwt_secret: config.jwt.secret.clone(),
        hash_threads: config.server.hash_threads,
        public_url: config.server.public_url.clone(),
        mailer: Mailer::new(Delivery::new(config.smtp.url.as_deref(), config.smtp.outbox.clone(), &config.smtp.from)?),
    })
    .await?;
    apply_static_sessions(&core, config).await?;
    Ok(core)
}

/// The session settings of the configuration's domains; a domain whose settings already say
/// so is left as it is (no audit record at each start).
async fn apply_static_sessions(core: &Core, config: &Config) -> anyhow::Result<()> {
    for static_domain in &config.domains {
        let Some(sessions) = &static_domain.sessions else { continue };
        let domain = core.domains().domain(&DomainName::parse(&static_domain.name)?).await?;
        let settings = sessions.apply(domain.settings.clone());
        if settings != domain.settings {
            core.domains().update_settings(&domain, settings, Actor::GlobalAdmin).await?;
        }
    }
    Ok(())
}

/// Opens a Strapi database (`sqlite://…` or `postgres://…`) read-only, for `import --from-strapi`.
pub async fn open_strapi(url: &str) -> anyhow::Result<Box<dyn gatehouse_core::import::strapi::StrapiSource>> {
    Ok(Box::new(gatehouse_store_sql::strapi::open(url).await?))
}
