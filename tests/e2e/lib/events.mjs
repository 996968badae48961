// Causing audit events through the user API, and reading `id:`/`data:` event streams.

import http from 'node:http';

let sequence = 0;

/** A username no other call has used. */
export function uniqueName(prefix) {
  sequence += 1;
  return `${prefix}${process.pid}x${sequence}`;
}

/** POSTs to the user API with an explicit Host header (the domain), over node:http. */
export function userRequest(url, query, variables, host) {
  const target = new URL(url);
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          host: host ?? target.host,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode, body: JSON.parse(text) }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const REGISTER = `mutation($u: String!, $e: String!, $p: String!) {
  register(input: {username: $u, email: $e, password: $p}) { jwt } }`;
const LOGIN = `mutation($i: String!, $p: String!) { login(input: {identifier: $i, password: $p}) { jwt } }`;

/** Registers a new user (USER_REGISTERED); resolves to its username. */
export async function register(userUrl, host) {
  const username = uniqueName('e2e');
  const answer = await userRequest(
    userUrl,
    REGISTER,
    { u: username, e: `${username}@example.com`, p: 'e2e-password' },
    host,
  );
  if (answer.body.errors) throw new Error(`register: ${JSON.stringify(answer.body)}`);
  return username;
}

/** A successful login (LOGIN_SUCCEEDED). */
export async function login(userUrl, username, host) {
  const answer = await userRequest(userUrl, LOGIN, { i: username, p: 'e2e-password' }, host);
  if (answer.body.errors) throw new Error(`login: ${JSON.stringify(answer.body)}`);
}

/** A failed login of an existing user (LOGIN_FAILED). */
export async function failedLogin(userUrl, username, host) {
  const answer = await userRequest(userUrl, LOGIN, { i: username, p: 'not-the-password' }, host);
  if (!answer.body.errors) throw new Error('a wrong password logged in');
}

/**
 * Opens `GET <sseUrl>?query=...` and calls `onEvent({id, data, receivedAt})` for every event;
 * resolves once the response head arrived, to `{opened, close, ended}`: `opened` resolves at
 * the first keep-alive comment, `ended` when the server ends the stream.
 */
export function openEventStream(sseUrl, query, authorization, onEvent) {
  const target = new URL(sseUrl);
  target.searchParams.set('query', query);
  return new Promise((resolve, reject) => {
    const request = http.get(
      target,
      { headers: { accept: 'text/event-stream', authorization }, agent: false },
      (response) => {
        if (response.statusCode !== 200) {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => reject(new Error(`SSE refused: ${response.statusCode} ${text}`)));
          return;
        }
        let buffer = '';
        let markOpened;
        const opened = new Promise((ok) => (markOpened = ok));
        const ended = new Promise((ok) => response.on('end', ok));
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          const receivedAt = Date.now();
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (frame.startsWith(':')) {
              markOpened();
              continue;
            }
            const fields = Object.fromEntries(
              frame.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
            );
            onEvent({ id: Number(fields.id), data: JSON.parse(fields.data), receivedAt });
          }
        });
        resolve({ opened, ended, close: () => request.destroy() });
      },
    );
    request.on('error', reject);
  });
}
