// Apollo Client (from npm) with its persisted-queries link on the user endpoint: the first
// request sends the document's hash alone, learns that Gatehouse does not know it yet, and
// sends the text with the hash; from then on the hash alone runs the query, over POST and,
// with `useGETForHashedQueries`, over GET.

import { createHash } from 'node:crypto';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** A client whose every HTTP request is recorded: method, and whether it carried the text. */
function recordingClient(url, token, useGET) {
  const sent = [];
  const recordingFetch = async (input, init = {}) => {
    const target = new URL(String(input));
    const body = init.body ? JSON.parse(init.body) : Object.fromEntries(target.searchParams);
    sent.push({ method: init.method ?? 'GET', withText: Boolean(body.query) });
    return fetch(input, init);
  };
  const http = new HttpLink({ uri: url, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } });
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: useGET }).concat(http);
  const client = new ApolloClient({ link, cache: new InMemoryCache(), defaultOptions: { query: { fetchPolicy: 'no-cache' } } });
  return { client, sent };
}

export async function apolloPersistedQueriesCheck(userUrl, token, username) {
  const notes = [];
  for (const useGET of [false, true]) {
    // A document of its own per mode, so that the first request of each is unknown to the server.
    const query = gql`query Me${useGET ? 'ByGet' : 'ByPost'} { me { username } }`;
    const { client, sent } = recordingClient(userUrl, token, useGET);
    for (let round = 0; round < 3; round += 1) {
      const { data } = await client.query({ query });
      expect(data.me.username === username, `round ${round}: ${JSON.stringify(data)}`);
    }
    const shape = sent.map((s) => `${s.method}${s.withText ? '+text' : ''}`).join(' ');
    const method = useGET ? 'GET' : 'POST';
    // Hash alone (unknown), hash with text, then the hash alone twice.
    const expected = `${method} POST+text ${method} ${method}`;
    expect(shape === expected, `requests were ${shape}, expected ${expected}`);
    notes.push(`${useGET ? 'GET' : 'POST'}: ${shape}`);
  }
  return notes.join('; ');
}
