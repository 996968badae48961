//! Binds every configured listener and serves its endpoint's routes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::graphql::{self, Endpoint, Mounted};

/// The routes of one endpoint at its path: GraphQL over POST and GET (and GraphiQL).
pub fn endpoint_routes<E: Endpoint>(mounted: Mounted<E>) -> Router {
    let path = mounted.path.clone();
    let shared = Arc::new(mounted);
    Router::new().route(&path, get(graphql::get::<E>).post(graphql::post::<E>)).with_state(shared)
}

/// Serves `router` on an already bound listener until `shutdown` turns true.
pub fn spawn(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "listener stopped");
        }
    })
}
