//! What the first start (and every start) prepares: the JWT secret and the static domains.

use rand::RngCore;

use super::error::CoreResult;
use super::model::{Domain, Settings};
use super::permissions;
use super::store::{StartingRole, Store};
use super::types::DomainName;

const JWT_SECRET_KEY: &str = "jwt_secret";

/// The generated JWT secret kept in the database, created by whichever node starts first.
pub(super) async fn stored_jwt_secret(store: &dyn Store) -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Ok(store.meta_get_or_insert(JWT_SECRET_KEY, &hex::encode(bytes)).await?)
}

/// Creates the static domains that do not exist yet, and marks the configured ones static.
pub(super) async fn static_domains(store: &dyn Store, names: &[DomainName]) -> anyhow::Result<()> {
    for existing in store.list_domains().await? {
        let wanted = names.contains(&existing.name);
        if existing.is_static != wanted {
            store.set_domain_static(existing.id, wanted).await?;
        }
    }
    for name in names {
        if store.domain_by_name(name).await?.is_none() {
            match create_domain(store, name, true).await {
                // Another node created it in the meantime.
                Err(super::CoreError::Conflict { .. }) => {}
                other => {
                    other?;
                }
            }
        }
    }
    Ok(())
}

/// A new domain with its Authenticated and Public roles (in that order, so that a fresh
/// installation numbers them 1 and 2 as Strapi does) and Strapi's default permissions.
pub(crate) async fn create_domain(store: &dyn Store, name: &DomainName, is_static: bool) -> CoreResult<Domain> {
    let roles = [
        (permissions::AUTHENTICATED, "Authenticated", "Default role given to authenticated user."),
        (permissions::PUBLIC, "Public", "Default role given to unauthenticated user."),
    ]
    .map(|(kind, name, description)| StartingRole {
        kind,
        name,
        description,
        actions: permissions::defaults(kind),
    });
    // A name taken meanwhile (by another node) is the conflict "Domain already exists".
    Ok(store.insert_domain(name, is_static, &Settings::default(), &roles).await?)
}
