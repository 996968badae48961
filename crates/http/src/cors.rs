//! CORS on a whole listener (every route it serves, GraphQL or not), answered as Strapi's
//! default middleware answers: the request's origin echoed back, a fixed list of methods and
//! headers whatever the preflight asks, a year of `Max-Age`, and 204 to a preflight.

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::header::{ACCEPT, ACCESS_CONTROL_ALLOW_HEADERS, AUTHORIZATION, CONTENT_TYPE, ORIGIN, VARY};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Strapi's lists, spelled as Strapi sends them.
const ALLOWED_HEADERS: &str = "Content-Type,Authorization,Origin,Accept";
const MAX_AGE: Duration = Duration::from_secs(31_536_000);

/// `router` behind CORS for `origins` (`["*"]`: every origin); as it is when `origins` is empty.
pub fn apply(router: Router, origins: &[String], credentials: bool) -> Router {
    if origins.is_empty() {
        return router;
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
    router.layer(cors).layer(middleware::from_fn(as_strapi))
}

/// The CORS layer answers every OPTIONS itself with 200 and lower-case header names; Strapi
/// answers a preflight with 204 and names the headers in their usual case.
async fn as_strapi(request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if headers.get_all(VARY).iter().any(|v| v == "origin") {
        let values: Vec<HeaderValue> = headers.get_all(VARY).iter().cloned().collect();
        headers.remove(VARY);
        for value in values {
            headers.append(VARY, if value == "origin" { HeaderValue::from_static("Origin") } else { value });
        }
    }
    if preflight {
        if headers.contains_key(ACCESS_CONTROL_ALLOW_HEADERS) {
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
        }
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}
