// The graphql-sse client library (distinct-connections mode, unchanged) against Gatehouse's
// admin endpoints: `audit { subscribeForEvents }` delivers the events caused through the user
// and admin APIs, a domain admin sees only its own domain, and `limit` ends the stream.

import { createClient } from 'graphql-sse';

/**
 * Subscribes with the graphql-sse client. `events` fills as results arrive; `finished`
 * resolves on `complete` and rejects on an error (a refusal included); `stop()` unsubscribes.
 */
export function subscribe(url, authorization, query, variables = {}) {
  const client = createClient({ url, headers: { authorization }, retryAttempts: 0 });
  const subscription = { events: [], done: false };
  subscription.finished = new Promise((resolve, reject) => {
    const dispose = client.subscribe(
      { query, variables },
      {
        next: (result) => subscription.events.push({ result, receivedAt: Date.now() }),
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => {
          subscription.done = true;
          resolve();
        },
      },
    );
    subscription.stop = () => {
      dispose();
      client.dispose();
    };
  });
  subscription.finished.catch(() => {}); // The caller reads it; never an unhandled rejection.
  return subscription;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Calls `cause()` until `ready()` (a subscription is live once it delivered something). */
export async function untilDelivered(cause, ready, what) {
  for (let attempt = 0; attempt < 40; attempt++) {
    await cause();
    for (let wait = 0; wait < 10; wait++) {
      if (ready()) return;
      await sleep(50);
    }
  }
  throw new Error(`${what}: nothing arrived`);
}

/** Waits until `condition()` holds, for at most `ms`. */
export async function until(condition, ms, what) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(10);
  }
}
