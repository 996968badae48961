// Starts a real Gatehouse binary on free loopback ports with a fresh SQLite database, and
// talks GraphQL to it over HTTP. Nothing here knows Gatehouse's internals.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ADMIN = { username: 'admin', password: 'e2e-admin-secret' };

export function basic(username, password) {
  return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
}

/** Starts `binary` and resolves once it printed a line for each of the `expected` handlers. */
export async function startGatehouse(binary, expected = ['user', 'admin', 'domain_admin']) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const config = join(dir, 'gatehouse.toml');
  writeFileSync(
    config,
    `[storage]
url = "sqlite://${join(dir, 'gatehouse.db')}"

[smtp]
outbox = "${join(dir, 'outbox')}"

[server]
log_level = "warn"

[[domains]]
name = "localhost"

[[domains]]
name = "other.test"

[[listen]]
handler = "user"
address = "127.0.0.1:0"
cors_credentials = true

[[listen]]
handler = "admin"
address = "127.0.0.1:0"
username = "${ADMIN.username}"
password = "${ADMIN.password}"

[[listen]]
handler = "domain_admin"
address = "127.0.0.1:0"
`,
  );
  const child = spawn(binary, ['serve', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = {};
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Gatehouse did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`Gatehouse exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      const [handler, url] = line.trim().split(/\s+/);
      if (handler && url?.startsWith('http://')) urls[handler] = url;
      if (expected.every((handler) => urls[handler])) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    urls,
    origin: (handler) => new URL(urls[handler]).origin,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs a GraphQL request; resolves to `{status, body}`. */
export async function graphql(url, query, variables = {}, authorization) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  if (authorization) headers.authorization = authorization;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** Like `graphql`, but throws unless the answer is data without errors. */
export async function data(url, query, variables, authorization) {
  const { status, body } = await graphql(url, query, variables, authorization);
  if (status !== 200 || body.errors) throw new Error(`${query.slice(0, 60)}…: ${status} ${JSON.stringify(body)}`);
  return body.data;
}
