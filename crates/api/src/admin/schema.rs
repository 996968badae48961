//! The admin schema: MongooseIM's model, categories as the fields of the root types. Served
//! by both admin handlers; what each caller may run is declared per field (`protection`).

use std::sync::Arc;
use std::time::Instant;

use async_graphql::{Context, Object, Schema};

use super::account::{AccountAdminMutation, AccountAdminQuery};
use super::audit::{AdminSubscription, AuditAdminQuery};
use super::caller::caller;
use super::domain::{DomainAdminMutation, DomainAdminQuery};
use super::protection::{Clearance, ProtectedType, protected};
use super::role::{RoleAdminMutation, RoleAdminQuery};
use super::scalars::DomainName;
use super::server::{ServerAdminMutation, ServerAdminQuery};
use super::session::{SessionAdminMutation, SessionAdminQuery};
use super::stat::StatsAdminQuery;
use super::token::TokenAdminMutation;
use super::types::{AdminAuthInfo, AuthStatus, AuthType};
use gatehouse_core::Core;
use gatehouse_http::LimitsConfig;
use gatehouse_http::shared_extension::SharedExtension;
use gatehouse_http::validated::ReuseValidation;

/// What the server knows of itself, for `server` and `stat`.
pub struct ServerInfo {
    pub started: Instant,
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Who the request is authenticated as. Open to everyone.
    #[graphql(directive = protected::apply(ProtectedType::Open, vec![]))]
    async fn check_auth(&self, ctx: &Context<'_>) -> AdminAuthInfo {
        match &caller(ctx).0 {
            Clearance::GlobalAdmin => {
                AdminAuthInfo { domain: None, auth_status: AuthStatus::Authorized, auth_type: Some(AuthType::Admin) }
            }
            Clearance::DomainAdmin(domain) => AdminAuthInfo {
                domain: gatehouse_core::DomainName::parse(domain).ok().map(DomainName),
                auth_status: AuthStatus::Authorized,
                auth_type: Some(AuthType::DomainAdmin),
            },
            Clearance::Unauthenticated => {
                AdminAuthInfo { domain: None, auth_status: AuthStatus::Unauthorized, auth_type: None }
            }
        }
    }

    /// User accounts.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn account(&self) -> AccountAdminQuery {
        AccountAdminQuery
    }

    /// Domains.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn domain(&self) -> DomainAdminQuery {
        DomainAdminQuery
    }

    /// Roles and permissions.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn role(&self) -> RoleAdminQuery {
        RoleAdminQuery
    }

    /// Sessions of domains using refresh tokens.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn session(&self) -> SessionAdminQuery {
        SessionAdminQuery
    }

    /// Statistics.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn stat(&self) -> StatsAdminQuery {
        StatsAdminQuery
    }

    /// The server.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn server(&self) -> ServerAdminQuery {
        ServerAdminQuery
    }

    /// The audit log.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn audit(&self) -> AuditAdminQuery {
        AuditAdminQuery
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl AdminMutation {
    /// User accounts.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn account(&self) -> AccountAdminMutation {
        AccountAdminMutation
    }

    /// Domains.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn domain(&self) -> DomainAdminMutation {
        DomainAdminMutation
    }

    /// Roles and permissions.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn role(&self) -> RoleAdminMutation {
        RoleAdminMutation
    }

    /// Sessions of domains using refresh tokens.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn session(&self) -> SessionAdminMutation {
        SessionAdminMutation
    }

    /// Tokens of the user API.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn token(&self) -> TokenAdminMutation {
        TokenAdminMutation
    }

    /// The server.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn server(&self) -> ServerAdminMutation {
        ServerAdminMutation
    }
}

pub type AdminSchema = Schema<AdminQuery, AdminMutation, AdminSubscription>;

/// The admin schema; without a core it can only print itself (SDL, docs, CLI).
pub fn build(core: Option<Arc<Core>>, limits: &LimitsConfig) -> AdminSchema {
    let mut builder = Schema::build(AdminQuery, AdminMutation, AdminSubscription)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .extension(SharedExtension::new(ReuseValidation))
        .data(ServerInfo { started: Instant::now() });
    if let Some(core) = core {
        builder = builder.data(core);
    }
    builder.finish()
}
