//! Binds every configured listener and serves its endpoint's routes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::get;
use axum::{Extension, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::graphql::{self, Endpoint, Mounted};
use super::sse::{self, Shutdown};
use super::{assets, docs};

/// The routes of one endpoint at its path: GraphQL over POST and GET (GraphiQL for browsers,
/// graphql-sse for `Accept: text/event-stream`), subscriptions at `<path>/sse`, the docs, the
/// SDL and the GraphiQL page's assets.
pub fn endpoint_routes<E: Endpoint>(mounted: Mounted<E>) -> Router {
    let path = mounted.path.clone();
    let shared = Arc::new(mounted);
    Router::new()
        .route(&path, get(graphql::get::<E>).post(graphql::post::<E>))
        .route(&format!("{path}/sse"), get(sse::get::<E>).post(sse::post::<E>))
        .route(&format!("{path}/docs"), get(docs::page::<E>))
        .route(&format!("{path}/schema.graphql"), get(docs::schema_graphql::<E>))
        .route(&format!("{path}/assets/{{*file}}"), get(assets::serve))
        .with_state(shared)
}

/// Serves `router` on an already bound listener until `shutdown` turns true.
pub fn spawn(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    // Open event streams end when the server stops, so the graceful shutdown never waits on them.
    let router = router.layer(Extension(Shutdown(shutdown.clone())));
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
