// End-to-end checks of a Gatehouse binary with clients we did not write (the graphql-http
// audit, the graphql-sse client, GraphiQL in headless Chromium, Strapi's SDK on the REST API, a
// page on another origin calling the REST API through CORS):
//   node tests/e2e/run.mjs target/release/gatehouse
// Starts the binary itself (free ports, fresh SQLite, an admin listener with credentials, a
// domain admin whose password is set through the admin API), runs every check, prints
// `N passed, M failed` and exits non-zero when a check failed.

import { resolve } from 'node:path';

import { apolloPersistedQueriesCheck } from './apollo-apq.mjs';
import { audit } from './audit.mjs';
import { corsBrowserCheck } from './cors-browser.mjs';
import { refreshCookieBrowserCheck } from './refresh-cookie-browser.mjs';
import { graphiqlCheck, operationRoutingCheck } from './graphiql.mjs';
import { failedLogin, login, register, uniqueName, userRequest } from './lib/events.mjs';
import { ADMIN, basic, data, startGatehouse } from './lib/gatehouse.mjs';
import { subscribe, until, untilDelivered } from './sse-client.mjs';
import { strapiClientCheck } from './strapi-client.mjs';
import { manySubscribers } from './subscribers.mjs';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node run.mjs PATH_TO_GATEHOUSE_BINARY');
  process.exit(2);
}

let passed = 0;
let failed = 0;

async function check(name, body) {
  const started = Date.now();
  try {
    const note = await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)${note ? `\n       ${note}` : ''}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}\n       ${String(error?.stack ?? error).replaceAll('\n', '\n       ')}`);
  }
}

const DOMAIN_PASSWORD = 'e2e-domain-secret';
const SET_DOMAIN_PASSWORD =
  'mutation($d: DomainName!, $p: NonEmptyString!) { domain { setDomainPassword(domain: $d, password: $p) } }';
const EVENTS = `subscription($d: DomainName, $t: [EventType!], $n: PosInt) {
  audit { subscribeForEvents(domain: $d, types: $t, limit: $n) { id type domain user actor at details } } }`;

const GET_ROLE = 'query($d: DomainName!, $r: String!) { role { getRole(domain: $d, role: $r) { permissions } } }';
const SET_DOMAIN_SETTINGS = `mutation($d: DomainName!, $s: DomainSettingsInput!) {
  domain { updateDomainSettings(domain: $d, settings: $s) { jwtManagement } } }`;
const SET_ROLE_PERMISSIONS = `mutation($d: DomainName!, $r: String!, $a: [String!]!) {
  role { setRolePermissions(domain: $d, role: $r, actions: $a) { type } } }`;

const eventOf = (result) => result.data.audit.subscribeForEvents;

const gatehouse = await startGatehouse(resolve(binary));
try {
  const { urls } = gatehouse;
  const adminAuth = basic(ADMIN.username, ADMIN.password);
  const domainAuth = basic('admin@localhost', DOMAIN_PASSWORD);
  // A failed login of nobody in particular: a LOGIN_FAILED event carrying `marker`.
  const failedLoginOf = (marker, host) => failedLogin(urls.user, marker, host);

  await check('the domain admin of localhost is enabled through the admin API', async () => {
    const answer = await data(urls.admin, SET_DOMAIN_PASSWORD, { d: 'localhost', p: DOMAIN_PASSWORD }, adminAuth);
    return JSON.stringify(answer);
  });

  for (const [name, url, authorization] of [
    ['user', urls.user, undefined],
    ['admin', urls.admin, adminAuth],
    ['domain-admin', urls.domain_admin, domainAuth],
  ]) {
    await check(`graphql-http audit: ${name} endpoint`, async () => {
      const result = await audit(url, authorization);
      if (!result.ok) throw new Error(`${result.summary}\n${result.problems.join('\n')}`);
      return result.summary;
    });
  }

  await check("Strapi's SDK (@strapi/client) on the REST API: register, log in, users/me", async () => {
    const restUrl = `${gatehouse.origin('user')}/api`;
    const grantUserFind = async () => {
      const { getRole } = (await data(urls.admin, GET_ROLE, { d: 'localhost', r: 'authenticated' }, adminAuth)).role;
      const actions = [...getRole.permissions, 'plugin::users-permissions.user.find', 'plugin::users-permissions.user.findOne'];
      await data(urls.admin, SET_ROLE_PERMISSIONS, { d: 'localhost', r: 'authenticated', a: actions }, adminAuth);
    };
    return strapiClientCheck(restUrl, grantUserFind);
  });

  await check("Apollo Client's persisted queries: the hash first, the text once, then the hash alone", async () => {
    const username = await register(urls.user);
    const LOGIN = 'mutation($i: String!, $p: String!) { login(input: {identifier: $i, password: $p}) { jwt } }';
    const { body } = await userRequest(urls.user, LOGIN, { i: username, p: 'e2e-password' });
    return apolloPersistedQueriesCheck(urls.user, body.data.login.jwt, username);
  });

  await check('CORS in headless Chromium: a page on another origin logs in over the REST API', async () => {
    const username = await register(urls.user);
    return corsBrowserCheck(`${gatehouse.origin('user')}/api`, username, 'e2e-password');
  });

  await check('graphql-sse client: subscribeForEvents delivers what the user and admin APIs did', async () => {
    const sub = subscribe(urls.admin, adminAuth, EVENTS, { d: 'localhost' });
    try {
      await untilDelivered(() => failedLoginOf(uniqueName('warmup')), () => sub.events.length > 0, 'warm-up');
      const username = await register(urls.user);
      await login(urls.user, username);
      await failedLogin(urls.user, username);
      await data(urls.admin, SET_DOMAIN_PASSWORD, { d: 'localhost', p: DOMAIN_PASSWORD }, adminAuth);
      const expected = [
        ['USER_REGISTERED', `${username}@localhost`],
        ['LOGIN_SUCCEEDED', `${username}@localhost`],
        ['LOGIN_FAILED', `${username}@localhost`],
        ['DOMAIN_PASSWORD_SET', null],
      ];
      const arrival = ([type, user]) =>
        sub.events.find(({ result }) => eventOf(result).type === type && eventOf(result).user === user);
      await until(() => expected.every(arrival), 5000, `events ${expected.map((e) => e[0]).join(', ')}`);
      const latencies = expected.map((e) => {
        const { result, receivedAt } = arrival(e);
        return `${e[0]} ${receivedAt - Date.parse(eventOf(result).at)} ms`;
      });
      if (eventOf(arrival(expected[3]).result).actor !== 'global_admin') throw new Error('wrong actor');
      return `delivery after the event's time: ${latencies.join(', ')}`;
    } finally {
      sub.stop();
    }
  });

  await check('graphql-sse client: a domain admin receives only its own domain', async () => {
    const refused = subscribe(urls.domain_admin, domainAuth, EVENTS, { d: 'other.test' });
    const refusal = await refused.finished.then(() => null, (error) => error);
    if (!refusal || !/401/.test(String(refusal.message ?? refusal))) {
      throw new Error(`another domain's events were not refused: ${refusal}`);
    }
    const sub = subscribe(urls.domain_admin, domainAuth, EVENTS, { d: 'localhost' });
    try {
      await untilDelivered(() => failedLoginOf(uniqueName('warmup')), () => sub.events.length > 0, 'warm-up');
      const elsewhere = await register(urls.user, 'other.test');
      await failedLoginOf(elsewhere, 'other.test');
      const here = await register(urls.user);
      await until(
        () => sub.events.some(({ result }) => eventOf(result).user === `${here}@localhost`),
        5000,
        'the localhost event',
      );
      const foreign = sub.events.filter(({ result }) => eventOf(result).domain !== 'localhost');
      if (foreign.length) throw new Error(`events of other domains: ${JSON.stringify(foreign)}`);
      return `${sub.events.length} events, all of localhost; other.test refused (${refusal.message ?? refusal})`;
    } finally {
      sub.stop();
    }
  });

  await check('graphql-sse client: the stream completes after `limit` events', async () => {
    const sub = subscribe(urls.admin, adminAuth, EVENTS, { d: 'localhost', t: ['LOGIN_FAILED'], n: 2 });
    await untilDelivered(() => failedLoginOf(uniqueName('limit')), () => sub.done, 'completion');
    await sub.finished;
    if (sub.events.length !== 2) throw new Error(`${sub.events.length} events before complete`);
    return '2 events, then complete';
  });

  await check('GraphiQL page: subscriptions (only) go over SSE', () => operationRoutingCheck(urls.admin, adminAuth));

  await check('GraphiQL in headless Chromium on the admin endpoint', async () =>
    graphiqlCheck({
      name: 'admin',
      url: urls.admin,
      credentials: ADMIN,
      query: '{ checkAuth { authStatus authType } domain { allDomains { domain } } }',
      expectInQuery: '"other.test"',
      subscription:
        'subscription { audit { subscribeForEvents(domain: "localhost", types: [LOGIN_FAILED], limit: 2) { type details } } }',
      expectInSubscription: 'LOGIN_FAILED',
      trigger: () => failedLoginOf(uniqueName('graphiql')),
    }),
  );

  await check('GraphiQL in headless Chromium: credentials typed in the headers tab are the ones used', async () => {
    await data(urls.admin, SET_DOMAIN_PASSWORD, { d: 'other.test', p: DOMAIN_PASSWORD }, adminAuth);
    // The browser knows admin@localhost; the tab says admin@other.test, and other.test is what
    // both the query and the subscription (refused to admin@localhost) see.
    return graphiqlCheck({
      name: 'domain-admin',
      url: urls.domain_admin,
      credentials: { username: 'admin@localhost', password: DOMAIN_PASSWORD },
      tabCredentials: { username: 'admin@other.test', password: DOMAIN_PASSWORD },
      query: '{ checkAuth { domain authStatus } }',
      expectInQuery: '"other.test"',
      subscription:
        'subscription { audit { subscribeForEvents(domain: "other.test", limit: 1) { type domain } } }',
      expectInSubscription: '"other.test"',
      trigger: () => failedLoginOf(uniqueName('tab'), 'other.test'),
    });
  });

  await check('500 concurrent subscribers receive the same event', async () => {
    const query = `subscription { audit { subscribeForEvents(domain: "localhost", types: [LOGIN_FAILED]) { id at details } } }`;
    return manySubscribers({
      sseUrl: `${urls.admin}/sse`,
      authorization: adminAuth,
      query,
      count: 500,
      cause: async () => {
        const marker = uniqueName('many');
        await failedLoginOf(marker);
        return marker;
      },
      markerOf: (result) => eventOf(result).details.identifier,
    });
  });

  await check("Refresh mode's httpOnly cookie in headless Chromium: log in, refresh by cookie, log out", async () => {
    const username = await register(urls.user);
    const mode = (settings) => data(urls.admin, SET_DOMAIN_SETTINGS, { d: 'localhost', s: settings }, adminAuth);
    await mode({ jwtManagement: 'REFRESH', refreshHttpOnly: true });
    try {
      return await refreshCookieBrowserCheck(`${gatehouse.origin('user')}/api`, username, 'e2e-password');
    } finally {
      await mode({ jwtManagement: 'LEGACY', refreshHttpOnly: false });
    }
  });
} finally {
  await gatehouse.stop();
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
