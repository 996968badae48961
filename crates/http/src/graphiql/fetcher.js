// The type of the operation GraphiQL is about to run, read from the query text itself
// (GraphiQL's parsed document may lag behind its editor): subscriptions go over SSE.
function operationType(query, operationName) {
  const text = query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|#[^\n]*/g, ' ');
  const tokens = text.match(/[{}()]|(?<![$\w])(?:query|mutation|subscription|fragment)\b(?:\s+[_A-Za-z]\w*)?/g) || [];
  let braces = 0, parens = 0, pending = null;
  const operations = [];
  for (const token of tokens) {
    if (token === '(') parens++;
    else if (token === ')') parens--;
    else if (token === '{') {
      if (braces === 0 && parens === 0) { operations.push(pending || { type: 'query', name: null }); pending = null; }
      braces++;
    } else if (token === '}') braces--;
    else if (braces === 0 && parens === 0) {
      const [type, name] = token.split(/\s+/);
      pending = { type, name: name || null };
    }
  }
  const candidates = operations.filter(o => o.type !== 'fragment');
  const operation = operationName ? candidates.find(o => o.name === operationName) : candidates[0];
  return operation ? operation.type : 'query';
}
function fetcher(params, opts) {
  if (operationType(params.query, params.operationName) !== 'subscription') return httpFetcher(params, opts);
  const client = graphqlSse.createClient({ url: endpoint + '/sse', headers: (opts && opts.headers) || {}, retryAttempts: 0 });
  const results = client.iterate(params);
  const stop = results.return.bind(results);
  results.return = async (value) => { try { return await stop(value); } finally { client.dispose(); } };
  return results;
}
// A script that did not load leaves its global undefined: say so instead of a blank page.
const missing = ['GraphiQL', 'React', 'ReactDOM', 'graphqlSse'].filter((name) => !(name in window));
let httpFetcher;
if (missing.length) {
  showAssetsUnavailable(missing);
} else {
  httpFetcher = GraphiQL.createFetcher({ url: endpoint });
  ReactDOM.createRoot(document.getElementById('graphiql'))
    .render(React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: 'headers' }));
}
