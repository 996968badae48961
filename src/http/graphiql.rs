//! The GraphiQL page served at every endpoint for `GET` with `Accept: text/html`.
//! Its fetcher targets the endpoint's own path; subscriptions go through `<path>/sse` with the
//! graphql-sse client. Credentials typed in the headers tab (`{"Authorization": "Basic ..."}`)
//! travel with both. The scripts come from [`super::assets`]: embedded, or a pinned CDN.

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::assets;
use super::graphql::{Endpoint, Mounted, RequestHead};
use super::rejection::Rejection;

/// The challenge that makes a browser ask for Basic credentials.
pub const WWW_AUTHENTICATE: &str = r#"Basic realm="gatehouse""#;

pub async fn page<E: Endpoint>(mounted: &Mounted<E>, head: &RequestHead) -> Response {
    // On a listener that only serves authenticated callers, a browser without credentials is
    // asked for them; it then sends them with the page's own requests too (same origin).
    if mounted.endpoint.requires_credentials() && !head.headers.contains_key(AUTHORIZATION) {
        let mut response =
            Rejection::graphql(StatusCode::UNAUTHORIZED, "no_credentials", "This endpoint needs credentials")
                .into_response();
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(WWW_AUTHENTICATE));
        return response;
    }
    // Wrong credentials are refused here too, so the browser asks for them again.
    if let Err(rejection) = mounted.endpoint.authenticate(head).await {
        return rejection.into_response();
    }
    let html = render(mounted.endpoint.name(), &mounted.path);
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// The page for the endpoint `api` mounted at `path`.
pub fn render(api: &str, path: &str) -> String {
    let endpoint = serde_json::to_string(path).unwrap_or_default();
    let title = format!("Gatehouse GraphiQL ({api})");
    let assets: String = assets::ALL.iter().map(|asset| asset.tag(path) + "\n").collect();
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading…</div>
{assets}<script>
const endpoint = {endpoint};
const httpFetcher = GraphiQL.createFetcher({{ url: endpoint }});
// The operation GraphiQL is about to run, to send subscriptions over SSE.
function isSubscription(params, opts) {{
  const ast = opts && opts.documentAST;
  if (!ast) return /^\s*subscription\b/.test(params.query);
  const ops = ast.definitions.filter(d => d.kind === 'OperationDefinition');
  const op = params.operationName ? ops.find(o => o.name && o.name.value === params.operationName) : ops[0];
  return !!op && op.operation === 'subscription';
}}
function fetcher(params, opts) {{
  if (!isSubscription(params, opts)) return httpFetcher(params, opts);
  const client = graphqlSse.createClient({{ url: endpoint + '/sse', headers: (opts && opts.headers) || {{}}, retryAttempts: 0 }});
  const results = client.iterate(params);
  const stop = results.return.bind(results);
  results.return = async (value) => {{ try {{ return await stop(value); }} finally {{ client.dispose(); }} }};
  return results;
}}
ReactDOM.createRoot(document.getElementById('graphiql'))
  .render(React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: 'headers' }}));
</script>
</body>
</html>"#,
        title = title,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_targets_its_own_path_and_its_sse_route() {
        let html = render("admin", "/custom/gql");
        assert!(html.contains(r#"const endpoint = "/custom/gql";"#));
        assert!(html.contains("endpoint + '/sse'"));
        for asset in assets::ALL {
            assert!(html.contains(&asset.url("/custom/gql")), "{}", asset.key());
        }
        if assets::EMBEDDED {
            assert!(!html.contains("https://"), "an embedded build makes no request outside Gatehouse");
        } else {
            assert!(html.contains("integrity=\"sha384-"));
        }
    }
}
