//! The admin API: MongooseIM's GraphQL admin API model (SPEC §4). One schema served by the
//! `admin` listener (the global admin) and the `domain_admin` listener (`admin@DOMAIN`).

mod account;
mod audit;
pub mod caller;
pub mod cursor;
mod domain;
pub mod error;
pub mod protection;
mod role;
pub mod scalars;
pub mod schema;
mod server;
mod session;
mod stat;
mod token;
pub mod types;

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition};
use async_graphql::{Context, Positioned, Variables};

use caller::{AdminCaller, login_refused, malformed, refused};
use error::{AdminResult, OrAdmin};
use gatehouse_core::admin_auth::AdminGate;
use gatehouse_core::{Core, Domain};
use gatehouse_http::basic_auth::{self, BasicAuth, BasicCredentials};
use gatehouse_http::{Endpoint, Rejection, RequestErrorKind, RequestHead};
use protection::{Clearance, ProtectionTable};
use scalars::DomainName;
pub use schema::{AdminSchema, ServerInfo, build as build_schema};
pub use server::{LogLevels, install_log_levels};

/// Which admins a listener serves.
#[derive(Debug, Clone)]
pub enum AdminRealm {
    /// The global admin, with Basic credentials when configured (none: every request is the
    /// global admin, which the config allows only on loopback addresses).
    Global { credentials: Option<(String, String)> },
    /// Domain admins: `admin@DOMAIN` and the domain's admin password.
    Domain,
}

pub struct AdminEndpoint {
    pub schema: AdminSchema,
    pub protection: Arc<ProtectionTable>,
    pub gate: Arc<AdminGate>,
    pub realm: AdminRealm,
}

impl AdminEndpoint {
    /// An endpoint of `schema`; the protection table is read back from the schema's SDL.
    pub fn new(schema: AdminSchema, gate: Arc<AdminGate>, realm: AdminRealm) -> anyhow::Result<Self> {
        let protection = ProtectionTable::from_sdl(&schema.sdl())
            .map_err(|e| anyhow::anyhow!("the admin schema's protection cannot be read: {e}"))?;
        Ok(Self { schema, protection: Arc::new(protection), gate, realm })
    }
}

impl Endpoint for AdminEndpoint {
    type Executor = AdminSchema;
    type Caller = AdminCaller;
    /// None: the admin API's answers read the store, and none is kept.
    type AnswerInputs = ();

    fn name(&self) -> &'static str {
        match self.realm {
            AdminRealm::Global { .. } => "admin",
            AdminRealm::Domain => "domain_admin",
        }
    }

    fn executor(&self) -> &AdminSchema {
        &self.schema
    }

    async fn authenticate(&self, head: &RequestHead) -> Result<AdminCaller, Rejection> {
        let client = head.peer.ip();
        let clearance = match (&self.realm, basic_auth::read(&head.headers)) {
            (AdminRealm::Global { credentials: None }, _) => Clearance::GlobalAdmin,
            (_, BasicAuth::Malformed(_)) => return Err(malformed()),
            (_, BasicAuth::Absent) => Clearance::Unauthenticated,
            (
                AdminRealm::Global { credentials: Some((user, password)) },
                BasicAuth::Credentials(BasicCredentials { user: u, password: p }),
            ) => {
                self.gate.check_global(client, (user, password), (&u, &p)).await.map_err(login_refused)?;
                Clearance::GlobalAdmin
            }
            (AdminRealm::Domain, BasicAuth::Credentials(BasicCredentials { user, password })) => {
                let domain = self.gate.check_domain_admin(client, &user, &password).await.map_err(login_refused)?;
                Clearance::DomainAdmin(domain)
            }
        };
        Ok(AdminCaller(clearance))
    }

    fn authorize(
        &self,
        caller: &AdminCaller,
        document: &ExecutableDocument,
        operation: &Positioned<OperationDefinition>,
        variables: &Variables,
    ) -> Result<(), Rejection> {
        self.protection.check(&caller.0, document, operation, variables).map_err(refused)
    }

    fn request_error_code(&self, kind: RequestErrorKind) -> &'static str {
        match kind {
            RequestErrorKind::Parse => "parser_error",
            RequestErrorKind::Validation => "validation_error",
        }
    }

    fn requires_credentials(&self) -> bool {
        !matches!(self.realm, AdminRealm::Global { credentials: None })
    }

    /// The caller's clearance decides everything its subscriptions receive (the audit stream
    /// of a domain admin is cut to its domain), so equal clearances share.
    fn stream_scope(&self, caller: &AdminCaller) -> Option<String> {
        Some(match &caller.0 {
            Clearance::GlobalAdmin => "global".to_string(),
            Clearance::DomainAdmin(domain) => format!("domain:{domain}"),
            Clearance::Unauthenticated => "anonymous".to_string(),
        })
    }

    fn stream_opened(&self) -> Option<Box<dyn Send>> {
        let core = self.schema.data::<Arc<Core>>()?;
        Some(Box::new(core.metrics().stream_opened()))
    }
}

fn core<'a>(ctx: &Context<'a>) -> &'a Arc<Core> {
    ctx.data_unchecked::<Arc<Core>>()
}

/// The domain an argument names, or `domain_not_found`.
async fn find_domain(ctx: &Context<'_>, name: &DomainName) -> AdminResult<Domain> {
    core(ctx).domains().domain(&name.0).await.or_admin_about("domain", &name.0)
}
