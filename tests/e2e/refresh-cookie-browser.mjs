// Strapi 5's refresh mode with the httpOnly cookie, in headless Chromium: a page on another
// origin logs in with `credentials: 'include'`, gets its access token in the body and its
// refresh token only as a cookie it cannot read, refreshes with an empty body (the browser
// sends the cookie), logs out (which clears the cookie), and has nothing to refresh with after.

import { launchBrowser } from './graphiql.mjs';
import { pageResult, serve } from './cors-browser.mjs';

function page(restUrl, identifier, password) {
  const script = `
    (async () => {
      const result = document.getElementById('result');
      const rest = (path, init = {}) => fetch(${JSON.stringify(restUrl)} + path, {
        method: 'POST',
        credentials: 'include',
        ...init,
        headers: { 'Content-Type': 'application/json', ...(init.headers || {}) },
      });
      try {
        const login = await rest('/auth/local', { body: JSON.stringify(${JSON.stringify({ identifier, password })}) });
        const signedIn = await login.json();
        const refreshed = await rest('/auth/refresh', { body: '{}' });
        const { jwt } = await refreshed.json();
        const me = await fetch(${JSON.stringify(`${restUrl}/users/me`)}, { headers: { Authorization: 'Bearer ' + jwt } });
        const logout = await rest('/auth/logout', { body: '{}', headers: { Authorization: 'Bearer ' + jwt } });
        const after = await rest('/auth/refresh', { body: '{}' });
        result.textContent = JSON.stringify({
          login: login.status,
          loginKeys: Object.keys(signedIn),
          refresh: refreshed.status,
          me: me.status,
          username: (await me.json()).username,
          logout: logout.status,
          after: after.status,
          pageSeesCookie: document.cookie,
        });
      } catch (error) {
        result.textContent = JSON.stringify({ error: String(error) });
      }
    })();`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>front end</title></head>
<body><pre id="result">pending</pre><script>${script}</script></body></html>`;
}

/** `restUrl`: the REST base of a domain in refresh mode with the httpOnly cookie. */
export async function refreshCookieBrowserCheck(restUrl, identifier, password) {
  const frontEnd = await serve(page(restUrl, identifier, password));
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const result = await pageResult(context, frontEnd.origin);
    const expected = {
      login: 200,
      loginKeys: ['jwt', 'user'],
      refresh: 200,
      me: 200,
      username: identifier,
      logout: 200,
      after: 400,
      pageSeesCookie: '',
    };
    if (JSON.stringify(result) !== JSON.stringify(expected)) {
      throw new Error(`unexpected answers: ${JSON.stringify(result)}, expected ${JSON.stringify(expected)}`);
    }
    const left = await context.cookies(restUrl);
    if (left.length) throw new Error(`logout left cookies: ${JSON.stringify(left)}`);
    return 'login 200 without refreshToken in the body, refresh by cookie 200, logout 200 clearing the cookie, ' +
      'refresh after it 400 (no token)';
  } finally {
    await browser.close();
    await frontEnd.stop();
  }
}
