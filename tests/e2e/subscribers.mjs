// 500 concurrent subscribers on `<path>/sse` (MongooseIM framing) all receive the same event;
// the delivery latency (event time on the server to arrival at each subscriber) is measured
// and reported, not asserted.

import { openEventStream } from './lib/events.mjs';
import { sleep } from './sse-client.mjs';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Opens `count` streams of `query` at `sseUrl`, makes sure every one is live, causes one
 * event with `cause()` (resolving to a marker that `markerOf(result)` reads back) and waits until
 * each stream received it.
 */
export async function manySubscribers({ sseUrl, authorization, query, count, cause, markerOf }) {
  const streams = [];
  try {
    for (let i = 0; i < count; i++) {
      const stream = { events: [] };
      stream.handle = await openEventStream(sseUrl, query, authorization, (event) => stream.events.push(event));
      streams.push(stream);
    }
    await Promise.all(streams.map((s) => s.handle.opened));
    // Warm up: every subscription is live once it delivered one event.
    for (let attempt = 0; streams.some((s) => s.events.length === 0); attempt++) {
      if (attempt === 40) throw new Error(`${streams.filter((s) => !s.events.length).length} streams never went live`);
      await cause();
      await sleep(250);
    }
    const sentAt = Date.now();
    const marker = await cause();
    const answeredAt = Date.now();
    const deadline = Date.now() + 30_000;
    const arrivals = () => streams.map((s) => s.events.find((e) => markerOf(e.data) === marker));
    while (arrivals().some((e) => !e)) {
      if (Date.now() > deadline) {
        throw new Error(`${arrivals().filter((e) => !e).length} of ${count} subscribers did not receive the event`);
      }
      await sleep(5);
    }
    const received = arrivals();
    const at = Date.parse(received[0].data.data.audit.subscribeForEvents.at);
    if (new Set(received.map((e) => e.data.data.audit.subscribeForEvents.id)).size !== 1) {
      throw new Error('subscribers received different events');
    }
    const sinceEvent = received.map((e) => e.receivedAt - at).sort((a, b) => a - b);
    return (
      `${count} subscribers received the event; delivery after the event's time: ` +
      `p50 ${percentile(sinceEvent, 50)} ms, p99 ${percentile(sinceEvent, 99)} ms, max ${sinceEvent.at(-1)} ms ` +
      `(request sent to last arrival: ${Math.max(...received.map((e) => e.receivedAt)) - sentAt} ms, ` +
      `the request itself ${answeredAt - sentAt} ms)`
    );
  } finally {
    for (const stream of streams) stream.handle?.close();
  }
}
