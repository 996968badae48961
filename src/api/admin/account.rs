//! `account`: the users of a domain.

use async_graphql::{Context, Object};

use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::{DomainName, NonNegInt, PosInt, UserRef};
use super::{core, find_domain};

#[derive(Default)]
pub struct AccountAdminQuery;

/// User accounts.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl AccountAdminQuery {
    /// The domain's users as `username@domain`, sorted; `limit` and `index` page through them
    /// (all when both are omitted).
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn list_users(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        limit: Option<PosInt>,
        index: Option<NonNegInt>,
    ) -> AdminResult<Option<Vec<UserRef>>> {
        let found = find_domain(ctx, &domain).await?;
        let names = core(ctx)
            .list_usernames(&found, limit.map(|l| l.0), index.map_or(0, |i| i.0))
            .await
            .or_admin_about("domain", &domain.0)?;
        Ok(Some(names.iter().map(|name| UserRef::new(name, &found.name)).collect()))
    }

    /// How many users the domain has.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn count_users(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<i64>> {
        let found = find_domain(ctx, &domain).await?;
        Ok(Some(core(ctx).count_users(&found).await.or_admin()?))
    }
}
