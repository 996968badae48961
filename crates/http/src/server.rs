//! Serving a listener's routes: one HTTP/1.1 connection per task, with the bounds that keep
//! slow or idle clients from holding the server (a header-read timeout that also ends idle
//! keep-alive connections, an inactivity timeout, a request-body timeout, a cap on open
//! connections answered with a 503), and a drain on shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::{Extension, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceBuilder;
use tower_http::timeout::RequestBodyTimeoutLayer;

use super::cors::StrapiCorsLayer;
use super::graphql::{self, Endpoint, Mounted};
use super::idle::IdleTimeout;
use super::sse::{self, Shutdown};
use super::{ConnectionLimits, assets, docs};

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

/// The answer to a connection over the cap: written by hand, before any HTTP parsing, so that
/// refusing costs next to nothing.
const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\
Retry-After: 1\r\nConnection: close\r\nContent-Length: 37\r\n\r\nToo many open connections; try again\n";

/// Serves `router` (behind `cors`, when the listener has it) on an already bound listener
/// until `shutdown` turns true; then stops accepting and lets open requests finish for at most
/// `limits.drain`.
pub fn spawn(
    listener: TcpListener,
    router: Router,
    cors: Option<StrapiCorsLayer>,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    // Around the router as a whole rather than with `Router::layer`, which would wrap (and,
    // per request, clone) every route once per layer.
    let router = ServiceBuilder::new()
        // Open event streams end when the server stops, so the drain never waits on them.
        .layer(Extension(Shutdown(shutdown.clone())))
        .option_layer(cors)
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .service(router);
    tokio::spawn(async move {
        let open = Arc::new(Semaphore::new(limits.max_connections));
        let graceful = GracefulShutdown::new();
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, or a connection reset before it was
                        // accepted: wait a little instead of spinning.
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = stopped(&mut shutdown) => break,
            };
            let Ok(permit) = open.clone().try_acquire_owned() else {
                tokio::spawn(refuse(stream));
                continue;
            };
            let _ = stream.set_nodelay(true);
            // The peer's address reaches the handlers as axum's `ConnectInfo`.
            let router = router.clone();
            let service = hyper::service::service_fn(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), request)
            });
            let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                // Also the longest wait for the next request on a keep-alive connection.
                .header_read_timeout(limits.header_timeout)
                .serve_connection(io, service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                drop(permit);
            });
        }
        drop(listener);
        if tokio::time::timeout(limits.drain, graceful.shutdown()).await.is_err() {
            tracing::warn!(seconds = limits.drain.as_secs(), "requests still open after the drain timeout were cut");
        }
    })
}

async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(TOO_MANY_CONNECTIONS)).await;
    let _ = stream.shutdown().await;
}
