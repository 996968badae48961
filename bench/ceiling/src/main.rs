//! The reference ceilings of Gatehouse's benchmark (`bench/run.sh`): the least an axum server
//! must do to answer what the benchmark sends to Gatehouse.
//!
//! - Scenario 1, `me`: for a POST on the endpoint's path it parses the JSON body (`query`,
//!   `variables`, `operationName`), verifies the HS256 Bearer token exactly as Gatehouse does
//!   (same crate, same validation) and answers a `me` object of the same shape as Gatehouse's
//!   answer: no GraphQL, no storage, no cache. Gatehouse's `me` throughput is reported as a
//!   ratio to it.
//! - Scenario 12, one event to many subscribers: see [`events`].
//!
//!   BENCH_JWT_SECRET=<Gatehouse's secret> gatehouse-bench-ceiling [--listen 127.0.0.1:0] [--path /graphql]
//!
//! Prints one line `ceiling http://ADDRESS/PATH` once it listens (as `gatehouse serve` prints
//! its listeners) and stops on SIGINT. Not part of the gatehouse binary.

use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::{Deserialize, Serialize};

mod events;

const USAGE: &str = "usage: BENCH_JWT_SECRET=<secret> gatehouse-bench-ceiling [--listen ADDRESS] [--path PATH]";

/// The username in every answer: the benchmark's user (the ceiling has no storage to read it).
const USERNAME: &str = "bench";

/// A GraphQL-over-HTTP request body, as Gatehouse receives it.
#[derive(Deserialize)]
struct GraphQLRequest {
    query: String,
    #[expect(dead_code, reason = "parsed as Gatehouse parses it; the ceiling executes nothing")]
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[expect(dead_code, reason = "parsed as Gatehouse parses it; the ceiling executes nothing")]
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
}

/// Gatehouse's token claims (src/core/token.rs), decoded in full as Gatehouse decodes them.
#[derive(Deserialize)]
#[expect(dead_code, reason = "decoded as Gatehouse decodes them; only the id is answered")]
struct Claims {
    id: i64,
    domain: String,
    ver: i64,
    iat: i64,
    exp: i64,
}

#[derive(Serialize)]
struct Answer<'a> {
    data: Data<'a>,
}

#[derive(Serialize)]
struct Data<'a> {
    me: Me<'a>,
}

#[derive(Serialize)]
struct Me<'a> {
    id: String,
    username: &'a str,
}

/// The token check of Gatehouse's `TokenService`: HS256 only, no leeway, `exp` and `iat` required.
struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Verifier {
    fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat"]);
        Self { key: DecodingKey::from_secret(secret), validation }
    }

    fn verify(&self, jwt: &str) -> Option<Claims> {
        decode::<Claims>(jwt, &self.key, &self.validation).ok().map(|data| data.claims)
    }
}

/// `Authorization: Bearer <token>`, read as Gatehouse reads it.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let mut parts = value.split_whitespace();
    let (scheme, token) = (parts.next()?, parts.next()?);
    (parts.next().is_none() && scheme.eq_ignore_ascii_case("bearer")).then_some(token)
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message }] });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn me(State(verifier): State<Arc<Verifier>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: GraphQLRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("body is not a GraphQL request: {e}")),
    };
    if request.query.is_empty() {
        return error(StatusCode::BAD_REQUEST, "empty query");
    }
    let Some(claims) = bearer_token(&headers).and_then(|jwt| verifier.verify(jwt)) else {
        return error(StatusCode::UNAUTHORIZED, "no valid Bearer token");
    };
    let answer = Answer { data: Data { me: Me { id: claims.id.to_string(), username: USERNAME } } };
    match serde_json::to_vec(&answer) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

struct Options {
    listen: String,
    path: String,
    secret: String,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        listen: "127.0.0.1:0".to_string(),
        path: "/graphql".to_string(),
        secret: std::env::var("BENCH_JWT_SECRET").map_err(|_| "BENCH_JWT_SECRET is not set".to_string())?,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--listen" => &mut options.listen,
            "--path" => &mut options.path,
            other => return Err(format!("unknown argument '{other}'")),
        };
        *slot = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
    }
    if !options.path.starts_with('/') {
        return Err("--path must start with '/'".to_string());
    }
    Ok(options)
}

async fn serve(options: Options) -> std::io::Result<()> {
    let verifier = Arc::new(Verifier::new(options.secret.as_bytes()));
    let events = events::Events::new();
    let router = Router::new()
        .route(&options.path, post(me))
        .with_state(verifier)
        .route(&format!("{}/sse", options.path), get(events::subscribe))
        .route(&format!("{}/event", options.path), post(events::fire))
        .with_state(events);
    let listener = tokio::net::TcpListener::bind(&options.listen).await?;
    println!("ceiling http://{}{}", listener.local_addr()?, options.path);
    // As Gatehouse's listeners do: an answer is written as soon as it is ready.
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("gatehouse-bench-ceiling: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Gatehouse's runtime: multi-threaded, one worker per core, short turns (src/main.rs).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .on_thread_start(ask_for_short_turns)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(serve(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gatehouse-bench-ceiling: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The scheduler's turns Gatehouse's runtime threads ask for (crates/server/src/limits.rs), so
/// that the ratio compares the same work under the same turns.
fn ask_for_short_turns() {
    #[cfg(target_os = "linux")]
    // SAFETY: as in Gatehouse: the calling thread's nice value, and its scheduling attributes.
    unsafe {
        let attr = libc::sched_attr {
            size: size_of::<libc::sched_attr>() as u32,
            sched_policy: libc::SCHED_OTHER as u32,
            sched_flags: 0,
            sched_nice: libc::getpriority(libc::PRIO_PROCESS, 0),
            sched_priority: 0,
            sched_runtime: 100_000,
            sched_deadline: 0,
            sched_period: 0,
        };
        libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const libc::sched_attr, 0);
    }
}
