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
// The type of the operation GraphiQL is about to run, read from the query text itself
// (GraphiQL's parsed document may lag behind its editor): subscriptions go over SSE.
function operationType(query, operationName) {{
  const text = query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|#[^\n]*/g, ' ');
  const tokens = text.match(/[{{}}()]|(?<![$\w])(?:query|mutation|subscription|fragment)\b(?:\s+[_A-Za-z]\w*)?/g) || [];
  let braces = 0, parens = 0, pending = null;
  const operations = [];
  for (const token of tokens) {{
    if (token === '(') parens++;
    else if (token === ')') parens--;
    else if (token === '{{') {{
      if (braces === 0 && parens === 0) {{ operations.push(pending || {{ type: 'query', name: null }}); pending = null; }}
      braces++;
    }} else if (token === '}}') braces--;
    else if (braces === 0 && parens === 0) {{
      const [type, name] = token.split(/\s+/);
      pending = {{ type, name: name || null }};
    }}
  }}
  const candidates = operations.filter(o => o.type !== 'fragment');
  const operation = operationName ? candidates.find(o => o.name === operationName) : candidates[0];
  return operation ? operation.type : 'query';
}}
function fetcher(params, opts) {{
  if (operationType(params.query, params.operationName) !== 'subscription') return httpFetcher(params, opts);
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
