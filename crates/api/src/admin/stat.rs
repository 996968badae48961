//! `stat`: counts of users and logins.

use async_graphql::{Context, Object, SimpleObject};

use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::DomainName;
use super::{ServerInfo, core, find_domain};
use gatehouse_core::accounts::AccountStats;
use gatehouse_core::store::SessionCounts;

/// The whole installation.
#[derive(SimpleObject)]
pub struct GlobalStats {
    pub uptime_seconds: i64,
    pub domains: i64,
    pub registered_users: i64,
    pub confirmed_users: i64,
    pub blocked_users: i64,
    /// Successful user logins in the last 24 hours.
    #[graphql(name = "loginsLast24h")]
    pub logins_last_24h: i64,
    /// Failed logins (users and admins) in the last 24 hours.
    #[graphql(name = "failedLoginsLast24h")]
    pub failed_logins_last_24h: i64,
    /// Users with a live session.
    pub online_users: i64,
    /// Live sessions.
    pub sessions: i64,
}

/// One domain.
#[derive(SimpleObject)]
pub struct DomainStats {
    pub registered_users: i64,
    pub confirmed_users: i64,
    pub blocked_users: i64,
    /// Successful user logins in the last 24 hours.
    #[graphql(name = "loginsLast24h")]
    pub logins_last_24h: i64,
    /// Failed logins (users and the domain admin) in the last 24 hours.
    #[graphql(name = "failedLoginsLast24h")]
    pub failed_logins_last_24h: i64,
    /// Users with a live session.
    pub online_users: i64,
    /// Live sessions.
    pub sessions: i64,
}

impl DomainStats {
    fn of(s: AccountStats, sessions: SessionCounts) -> Self {
        DomainStats {
            registered_users: s.users.registered,
            confirmed_users: s.users.confirmed,
            blocked_users: s.users.blocked,
            logins_last_24h: s.logins_last_day,
            failed_logins_last_24h: s.failed_logins_last_day,
            online_users: sessions.online_users,
            sessions: sessions.sessions,
        }
    }
}

#[derive(Default)]
pub struct StatsAdminQuery;

/// Statistics.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl StatsAdminQuery {
    /// Statistics of the whole installation.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn global_stats(&self, ctx: &Context<'_>) -> AdminResult<Option<GlobalStats>> {
        let core = core(ctx);
        let stats = core.users().account_stats(None).await.or_admin()?;
        let domains = core.domains().all_domains().await.or_admin()?.len() as i64;
        let sessions = core.sessions().count_sessions(None).await.or_admin()?;
        Ok(Some(GlobalStats {
            uptime_seconds: ctx.data_unchecked::<ServerInfo>().started.elapsed().as_secs() as i64,
            domains,
            registered_users: stats.users.registered,
            confirmed_users: stats.users.confirmed,
            blocked_users: stats.users.blocked,
            logins_last_24h: stats.logins_last_day,
            failed_logins_last_24h: stats.failed_logins_last_day,
            online_users: sessions.online_users,
            sessions: sessions.sessions,
        }))
    }

    /// Statistics of one domain.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn domain_stats(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<DomainStats>> {
        let found = find_domain(ctx, &domain).await?;
        let core = core(ctx);
        let sessions = core.sessions().count_sessions(Some(&found)).await.or_admin()?;
        Ok(Some(DomainStats::of(core.users().account_stats(Some(&found)).await.or_admin()?, sessions)))
    }
}
