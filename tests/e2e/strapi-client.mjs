// Strapi's own SDK (@strapi/client, from npm) pointed at Gatehouse's REST API, unchanged:
// registration, login, `users/me` with the JWT as the client's token, the SDK's `users`
// collection with its own query-string encoding, and Strapi's error envelope in its errors.

import { HTTPBadRequestError, HTTPForbiddenError, strapi } from '@strapi/client';

import { uniqueName } from './lib/events.mjs';

const PASSWORD = 'Passw0rd!';

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// With a string body, fetch sends `text/plain` unless told otherwise (the SDK's own login sets
// the type the same way); Strapi too would read such a body as text.
async function post(client, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  const response = await client.fetch(path, { method: 'POST', body: JSON.stringify(body), headers });
  return response.json();
}

/** The envelope of an error the SDK threw, which must be an instance of `kind`. */
async function refusal(kind, attempt) {
  try {
    await attempt();
  } catch (error) {
    expect(error instanceof kind, `expected ${kind.name}, got ${error}`);
    return error.response.json();
  }
  throw new Error(`expected ${kind.name}, got an answer`);
}

/**
 * `restUrl`: the REST base (`http://host:port/api`); `grantUserFind()` lets the Authenticated
 * role list users (through the admin API).
 */
export async function strapiClientCheck(restUrl, grantUserFind) {
  const name = uniqueName('sdk');
  const anonymous = strapi({ baseURL: restUrl });

  const registered = await post(anonymous, '/auth/local/register', {
    username: name,
    email: `${name}@Example.com`,
    password: PASSWORD,
  });
  expect(typeof registered.jwt === 'string', `no jwt: ${JSON.stringify(registered)}`);
  expect(registered.user.email === `${name}@example.com`, `email not lower-cased: ${registered.user.email}`);

  const login = await post(anonymous, '/auth/local', { identifier: `${name}@example.com`, password: PASSWORD });
  expect(login.user.id === registered.user.id, `logged in as ${JSON.stringify(login.user)}`);

  const signedIn = strapi({ baseURL: restUrl, auth: login.jwt });
  const me = await (await signedIn.fetch('/users/me')).json();
  expect(me.id === registered.user.id && me.username === name, `users/me: ${JSON.stringify(me)}`);
  expect(!('password' in me), 'users/me shows no password');

  const wrong = await refusal(HTTPBadRequestError, () =>
    post(anonymous, '/auth/local', { identifier: name, password: 'wrong' }),
  );
  expect(
    JSON.stringify(wrong) ===
      '{"data":null,"error":{"status":400,"name":"ValidationError","message":"Invalid identifier or password","details":{}}}',
    `wrong password: ${JSON.stringify(wrong)}`,
  );

  const users = () => signedIn.collection('users');
  const forbidden = await refusal(HTTPForbiddenError, () => users().find());
  expect(forbidden.error?.name === 'ForbiddenError', `users.find before the grant: ${JSON.stringify(forbidden)}`);
  await grantUserFind();
  const found = await users().find({ filters: { $or: [{ username: { $eq: name } }, { email: { $eq: 'nobody@x.y' } }] }, fields: ['username'] });
  expect(
    Array.isArray(found) && found.length === 1 && found[0].username === name && found[0].id === me.id,
    `users.find: ${JSON.stringify(found)}`,
  );
  const one = await users().findOne(String(me.id));
  expect(one.documentId === me.documentId, `users.findOne: ${JSON.stringify(one)}`);
  return `registered, logged in and read users/me as ${name} (id ${me.id}); the SDK's users collection filtered with its own encoding`;
}
