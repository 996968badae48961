//! CORS on a whole listener (every route it serves, GraphQL or not), answered as Strapi's
//! default middleware answers: the request's origin echoed back, a fixed list of methods and
//! headers whatever the preflight asks, a year of `Max-Age`, and 204 to a preflight.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::header::{ACCEPT, ACCESS_CONTROL_ALLOW_HEADERS, AUTHORIZATION, CONTENT_TYPE, ORIGIN, VARY};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tower_http::cors::{AllowOrigin, Cors, CorsLayer};

/// Strapi's lists, spelled as Strapi sends them.
const ALLOWED_HEADERS: &str = "Content-Type,Authorization,Origin,Accept";
const MAX_AGE: Duration = Duration::from_secs(31_536_000);

/// CORS for `origins` (`["*"]`: every origin), answered as Strapi answers; none when `origins`
/// is empty. `server::spawn` puts it around everything the listener serves.
pub fn layer(origins: &[String], credentials: bool) -> Option<StrapiCorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        // Echoed rather than `*`, as Strapi does, which also lets credentials be allowed.
        AllowOrigin::mirror_request()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let cors = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::HEAD,
            Method::OPTIONS,
        ])
        .allow_headers([CONTENT_TYPE, AUTHORIZATION, ORIGIN, ACCEPT])
        .allow_credentials(credentials)
        .max_age(MAX_AGE)
        .vary([ORIGIN]);
    Some(StrapiCorsLayer { cors })
}

/// tower-http's CORS with Strapi's spelling of its answers.
#[derive(Clone)]
pub struct StrapiCorsLayer {
    cors: CorsLayer,
}

impl<S> Layer<S> for StrapiCorsLayer {
    type Service = StrapiCors<Cors<S>>;

    fn layer(&self, inner: S) -> Self::Service {
        StrapiCors { inner: self.cors.layer(inner) }
    }
}

#[derive(Clone)]
pub struct StrapiCors<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for StrapiCors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = StrapiCorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let preflight = request.method() == Method::OPTIONS;
        StrapiCorsFuture { inner: self.inner.call(request), preflight }
    }
}

pin_project! {
    pub struct StrapiCorsFuture<F> {
        #[pin]
        inner: F,
        preflight: bool,
    }
}

impl<F, ResBody, E> Future for StrapiCorsFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        as_strapi(response.headers_mut(), *this.preflight);
        if *this.preflight {
            *response.status_mut() = StatusCode::NO_CONTENT;
        }
        Poll::Ready(Ok(response))
    }
}

/// The CORS layer answers every OPTIONS itself with 200 and lower-case header names; Strapi
/// answers a preflight with 204 and names the headers in their usual case.
fn as_strapi(headers: &mut HeaderMap, preflight: bool) {
    if headers.get_all(VARY).iter().any(|v| v == "origin") {
        let values: Vec<HeaderValue> = headers.get_all(VARY).iter().cloned().collect();
        headers.remove(VARY);
        for value in values {
            headers.append(VARY, if value == "origin" { HeaderValue::from_static("Origin") } else { value });
        }
    }
    if preflight && headers.contains_key(ACCESS_CONTROL_ALLOW_HEADERS) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
    }
}
