// A browser page on another origin calling the REST API through CORS, in headless Chromium:
// the page is served by a server of its own (another port is another origin), logs in with
// `POST /api/auth/local` (a JSON body, so the browser sends a preflight first), then reads
// `/api/users/me` with the JWT (an `Authorization` header: a preflight again).

import http from 'node:http';

import { launchBrowser } from './graphiql.mjs';

/** The page: runs the calls when loaded and writes what it got into `#result`. */
function page(restUrl, identifier, password) {
  const script = `
    (async () => {
      const result = document.getElementById('result');
      try {
        const login = await fetch(${JSON.stringify(`${restUrl}/auth/local`)}, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(${JSON.stringify({ identifier, password })}),
        });
        const { jwt, user } = await login.json();
        const me = await fetch(${JSON.stringify(`${restUrl}/users/me`)}, { headers: { Authorization: 'Bearer ' + jwt } });
        result.textContent = JSON.stringify({ login: login.status, user: user.username, me: me.status, body: await me.json() });
      } catch (error) {
        result.textContent = JSON.stringify({ error: String(error) });
      }
    })();`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>front end</title></head>
<body><pre id="result">pending</pre><script>${script}</script></body></html>`;
}

/** Serves `html` on a free loopback port; resolves to its origin and a stop function. */
export function serve(html) {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ origin: `http://127.0.0.1:${port}`, stop: () => new Promise((done) => server.close(done)) });
    });
  });
}

/** Opens the front end at `origin` in a new tab of `context` and reads what its script wrote
 * into `#result` once it is no longer `pending`; a script that failed wrote `error`. */
export async function pageResult(context, origin) {
  const tab = await context.newPage();
  await tab.goto(`${origin}/`);
  await tab.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, {
    timeout: 15_000,
  });
  const result = JSON.parse(await tab.textContent('#result'));
  if (result.error) throw new Error(`the page's calls failed: ${result.error}`);
  return result;
}

/** `restUrl`: the REST base; a user `identifier`/`password` that may sign in. */
export async function corsBrowserCheck(restUrl, identifier, password) {
  const frontEnd = await serve(page(restUrl, identifier, password));
  const browser = await launchBrowser();
  try {
    const preflights = [];
    const context = await browser.newContext();
    context.on('request', (request) => {
      if (request.method() === 'OPTIONS') preflights.push(new URL(request.url()).pathname);
    });
    const result = await pageResult(context, frontEnd.origin);
    if (result.login !== 200 || result.me !== 200 || result.body.username !== identifier) {
      throw new Error(`unexpected answers: ${JSON.stringify(result)}`);
    }
    return `a page at ${frontEnd.origin} logged in and read users/me from ${new URL(restUrl).origin}` +
      (preflights.length ? ` (preflights seen: ${preflights.join(', ')})` : '');
  } finally {
    await browser.close();
    await frontEnd.stop();
  }
}
