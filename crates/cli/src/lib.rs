//! The command line beyond `serve`: `admin` (a client of the admin API), `import` (from a
//! file or a Strapi database) and `export` (bulk users, straight on the configured database).

pub mod admin;
pub mod export;
pub mod import;
mod progress;
pub mod records;
pub mod strapi;

/// The domain named on the command line.
async fn domain(core: &gatehouse_core::Core, name: &str) -> anyhow::Result<gatehouse_core::Domain> {
    let name = gatehouse_core::DomainName::parse(name)?;
    core.domains().domain(&name).await.map_err(|e| anyhow::anyhow!("{e}: {name}"))
}
