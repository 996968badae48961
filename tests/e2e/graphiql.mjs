// GraphiQL in headless Chromium (Debian's, driven by playwright-core): the page of an endpoint
// opens with Basic credentials, runs a query and a subscription typed into its editors, makes
// no request outside Gatehouse, and its screenshot is not blank.

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { imageVariety } from './lib/png.mjs';

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium'];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) throw new Error('Chromium not found (apt-get install chromium, or set CHROMIUM)');
  return found;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    chromiumSandbox: false,
    // No traffic of the browser's own: this machine has no network beyond loopback.
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic',
      '--no-first-run', '--disable-gpu'],
  });
}

const screenshots = join(dirname(fileURLToPath(import.meta.url)), '../../target/e2e');

function editorValue(page, selector) {
  return page.evaluate((selector) => document.querySelector(selector)?.CodeMirror?.getValue() ?? '', selector);
}

async function setEditor(page, selector, text) {
  await page.waitForSelector(selector);
  await page.evaluate(([selector, text]) => document.querySelector(selector).CodeMirror.setValue(text), [selector, text]);
}

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const RESPONSE = '.graphiql-response .CodeMirror';
/** The headers editor: the visible editor of the tools pane, opened on its Headers tab. */
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';

async function run(page, document) {
  await setEditor(page, QUERY_EDITOR, document);
  await page.click('.graphiql-execute-button');
}

async function waitForIdle(page, timeout) {
  await page.waitForSelector('.graphiql-execute-button[aria-label^="Execute"]', { timeout });
}

/**
 * Opens GraphiQL at `url`, the browser answering the listener's challenge with `credentials`;
 * types Basic `tabCredentials` (default: the same) in the headers tab; runs `query` (expecting
 * `expectInQuery` in the result) then `subscription`, calling `trigger()` until the stream
 * completes with `expectInSubscription` in the result.
 */
export async function graphiqlCheck({
  name,
  url,
  credentials,
  tabCredentials = credentials,
  query,
  expectInQuery,
  subscription,
  expectInSubscription,
  trigger,
}) {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: credentials });
    const page = await context.newPage();
    const origin = new URL(url).origin;
    const outside = [];
    const seen = [];
    context.on('request', (request) => {
      const target = request.url();
      seen.push(target);
      if (!target.startsWith(origin + '/') && !target.startsWith('data:')) outside.push(target);
    });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const response = await page.goto(url, { waitUntil: 'networkidle' });
    if (response.status() !== 200) throw new Error(`the page answered ${response.status()}`);
    await page.waitForSelector(QUERY_EDITOR, { timeout: 20_000 });

    const { username, password } = tabCredentials;
    const authorization = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
    await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: authorization }, null, 2));

    await run(page, query);
    await page.waitForFunction(
      ([selector, text]) => document.querySelector(selector)?.CodeMirror?.getValue().includes(text),
      [RESPONSE, expectInQuery],
      { timeout: 20_000 },
    ).catch(async () => {
      throw new Error(`query result without ${expectInQuery}: ${await editorValue(page, RESPONSE)}`);
    });

    await run(page, subscription);
    await page.waitForSelector('.graphiql-execute-button[aria-label^="Stop"]', { timeout: 10_000 });
    const deadline = Date.now() + 30_000;
    let completed = false;
    while (!completed && Date.now() < deadline) {
      await trigger();
      completed = await waitForIdle(page, 500).then(() => true, () => false);
    }
    const result = await editorValue(page, RESPONSE);
    if (!completed) throw new Error(`the subscription did not complete; result so far: ${result}`);
    if (!result.includes(expectInSubscription)) throw new Error(`subscription result without ${expectInSubscription}: ${result}`);
    if (!seen.some((target) => target.startsWith(`${url}/sse`))) throw new Error('the subscription did not go through <path>/sse');

    mkdirSync(screenshots, { recursive: true });
    const file = join(screenshots, `graphiql-${name}.png`);
    const png = await page.screenshot({ path: file });
    const variety = imageVariety(png);
    if (variety.colours < 16 || variety.offDominant < 0.02) {
      throw new Error(`the screenshot looks blank: ${JSON.stringify(variety)} (${file})`);
    }
    if (outside.length) throw new Error(`requests outside Gatehouse: ${outside.join(', ')}`);
    if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);
    return `${seen.length} requests, all to ${origin}; screenshot ${file} (${variety.colours} colours)`;
  } finally {
    await browser.close();
  }
}

/** The page's own routing of operations (subscriptions over SSE), run on tricky documents. */
export async function operationRoutingCheck(url, authorization) {
  const html = await (await fetch(url, { headers: { accept: 'text/html', authorization } })).text();
  const source = html.match(/function operationType[\s\S]*?\n\}\n/)?.[0];
  if (!source) throw new Error('the page has no operationType()');
  const operationType = new Function(`${source}; return operationType;`)();
  const cases = [
    ['{ a }', undefined, 'query'],
    ['subscription { audit { x } }', undefined, 'subscription'],
    ['# subscription\nquery Q($query: String = "subscription {") { a(b: {c: 1}) }', null, 'query'],
    ['query A { a } subscription B { b }', 'B', 'subscription'],
    ['query A { a } subscription B { b }', 'A', 'query'],
    ['fragment F on T { x } subscription S($d: DomainName) @x { ...F }', undefined, 'subscription'],
    ['mutation($x: In = {a: 1}) { m }', undefined, 'mutation'],
    ['"""doc"""\nsubscription { s }', undefined, 'subscription'],
  ];
  const wrong = cases.filter(([query, name, type]) => operationType(query, name) !== type);
  if (wrong.length) throw new Error(`misrouted: ${JSON.stringify(wrong)}`);
  return `${cases.length} documents routed by their operation type`;
}
