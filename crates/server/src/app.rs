//! Starting Gatehouse: storage, core, and one server per configured listener.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{Config, Handler};
use gatehouse_api::admin::{AdminEndpoint, AdminRealm, build_schema as build_admin_schema};
use gatehouse_api::rest::{self, RestState};
use gatehouse_api::user::{UserEndpoint, build_schema as build_user_schema};
use gatehouse_core::Core;
use gatehouse_http::Mounted;
use gatehouse_http::server::{endpoint_routes, spawn};
use gatehouse_http::{cors, metrics, ops};

/// A listener that is accepting connections.
#[derive(Debug, Clone)]
pub struct BoundListener {
    pub handler: Handler,
    pub address: SocketAddr,
    pub path: String,
}

impl BoundListener {
    pub fn url(&self) -> String {
        format!("http://{}{}", self.address, self.path)
    }
}

/// A running Gatehouse.
pub struct App {
    pub core: Arc<Core>,
    pub listeners: Vec<BoundListener>,
    readiness: ops::Readiness,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl App {
    /// Opens storage, prepares the core and binds every listener. Port 0 binds a free port;
    /// the bound addresses are in `listeners`.
    pub async fn start(config: &Config) -> anyhow::Result<App> {
        let core = crate::boot::open_core(config).await?;

        let (shutdown, stop) = watch::channel(false);
        let readiness = ops::Readiness::default();
        let mut listeners = Vec::new();
        let mut tasks = Vec::new();
        // Events recorded by other nodes sharing the database reach this node's subscribers.
        // Started before the listeners accept, so that no subscriber misses an event.
        if let Some(relay) = core.audit().start_relay().await? {
            tasks.push(tokio::spawn(relay.run(stop.clone())));
        }
        // One admin schema and one credential gate for both admin listeners.
        let admin_schema = build_admin_schema(Some(core.clone()), &config.limits);
        let admin_gate = core.admin_gate().clone();
        for listen in &config.listen {
            let path = listen.path().to_string();
            let track = |router, endpoint| metrics::track(router, core.metrics().clone(), endpoint);
            let router = match listen.handler {
                Handler::User => {
                    let rest_prefix = listen.rest_prefix().map(str::to_string);
                    let graphql = endpoint_routes(Mounted {
                        endpoint: UserEndpoint {
                            core: core.clone(),
                            schema: build_user_schema(Some(core.clone()), &config.limits),
                            default_domain: listen.default_domain(),
                            rest_prefix: rest_prefix.clone(),
                        },
                        path: path.clone(),
                        limits: config.limits.clone(),
                        sse_keepalive_seconds: config.server.sse_keepalive_seconds,
                        documents: Default::default(),
                        fanout: Default::default(),
                        answers: Default::default(),
                    });
                    let graphql = track(graphql, listen.handler.name());
                    match &rest_prefix {
                        Some(prefix) => {
                            let state = RestState {
                                core: core.clone(),
                                default_domain: listen.default_domain(),
                                body_bytes: config.limits.body_bytes,
                                response_records: config.limits.response_records,
                            };
                            // Counted apart from GraphQL, under their own endpoint label.
                            graphql.merge(track(rest::router(state, prefix), "user_rest"))
                        }
                        None => graphql,
                    }
                }
                Handler::Admin | Handler::DomainAdmin => {
                    let realm = match listen.handler {
                        Handler::Admin => AdminRealm::Global {
                            credentials: listen.admin_credentials().map(|(u, p)| (u.to_string(), p.to_string())),
                        },
                        _ => AdminRealm::Domain,
                    };
                    let routes = endpoint_routes(Mounted {
                        endpoint: AdminEndpoint::new(admin_schema.clone(), admin_gate.clone(), realm)?,
                        path: path.clone(),
                        limits: config.limits.clone(),
                        sse_keepalive_seconds: config.server.sse_keepalive_seconds,
                        documents: Default::default(),
                        fanout: Default::default(),
                        answers: Default::default(),
                    });
                    track(routes, listen.handler.name())
                }
            };
            // The admin listener also answers health checks and metrics scrapes.
            let router = if listen.handler == Handler::Admin {
                router.merge(ops::routes(core.clone(), readiness.clone()))
            } else {
                router
            };
            // Around everything the listener serves, so that routes added later get it too.
            let cors = cors::layer(&listen.cors_origins(), listen.cors_credentials);
            let socket = TcpListener::bind(listen.address)
                .await
                .with_context(|| format!("cannot listen on {} ({} handler)", listen.address, listen.handler.name()))?;
            let address = socket.local_addr()?;
            let connections = config.limits.connections(Duration::from_secs(config.server.drain_seconds));
            tasks.push(spawn(socket, router, cors, connections, stop.clone()));
            listeners.push(BoundListener { handler: listen.handler, address, path });
        }
        Ok(App { core, listeners, readiness, shutdown, tasks })
    }

    /// The first listener of a handler.
    pub fn listener(&self, handler: Handler) -> Option<&BoundListener> {
        self.listeners.iter().find(|l| l.handler == handler)
    }

    /// Stops the server as a load balancer needs it: `/ready` answers 503 at once, listeners
    /// keep accepting for `delay` (the balancer's health check sees the 503 and sends no more),
    /// then stop accepting; open requests finish within the drain timeout, event streams end.
    pub async fn stop(self, delay: Duration) {
        self.readiness.drain();
        tokio::time::sleep(delay).await;
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
