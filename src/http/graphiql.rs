//! The GraphiQL page served at every endpoint for `GET` with `Accept: text/html`.
//! Its fetcher targets the endpoint's own path; subscriptions go through `<path>/sse`.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::graphql::{Endpoint, Mounted, RequestHead};

/// Pinned versions, loaded from a public CDN.
const GRAPHIQL: &str = "4.1.2";
const REACT: &str = "18.3.1";
const GRAPHQL_SSE: &str = "2.6.1";

pub async fn page<E: Endpoint>(mounted: &Mounted<E>, head: &RequestHead) -> Response {
    // Wrong credentials are refused here too, so the browser asks for them again.
    if let Err(rejection) = mounted.endpoint.authenticate(head).await {
        return rejection.into_response();
    }
    let path = serde_json::to_string(&mounted.path).unwrap_or_default();
    let title = format!("Gatehouse GraphiQL ({})", mounted.endpoint.name());
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="https://unpkg.com/graphiql@{GRAPHIQL}/graphiql.min.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading…</div>
<script src="https://unpkg.com/react@{REACT}/umd/react.production.min.js"></script>
<script src="https://unpkg.com/react-dom@{REACT}/umd/react-dom.production.min.js"></script>
<script src="https://unpkg.com/graphiql@{GRAPHIQL}/graphiql.min.js"></script>
<script src="https://unpkg.com/graphql-sse@{GRAPHQL_SSE}/umd/graphql-sse.min.js"></script>
<script>
const endpoint = {path};
const httpFetcher = GraphiQL.createFetcher({{ url: endpoint }});
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
  return client.iterate(params);
}}
ReactDOM.createRoot(document.getElementById('graphiql'))
  .render(React.createElement(GraphiQL, {{ fetcher, shouldPersistHeaders: true }}));
</script>
</body>
</html>"#
    );
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}
