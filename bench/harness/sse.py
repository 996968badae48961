"""Scenario 6's client: many Server-Sent Events subscribers on raw HTTP/1.1 connections, and
the arrival time of one event at each of them."""

import asyncio
import json
import time
import urllib.parse
from datetime import datetime


class StreamRefused(Exception):
    """The SSE endpoint answered with something other than an event stream."""


class Subscriber:
    def __init__(self, reader, writer, chunked):
        self.reader, self.writer, self.chunked = reader, writer, chunked
        self.buffer = b""

    async def next_event(self):
        """The data of the next event that carries data (keep-alive comments are skipped)."""
        while True:
            while b"\n\n" not in self.buffer:
                self.buffer += await self._read()
            frame, self.buffer = self.buffer.split(b"\n\n", 1)
            data = [line[5:].lstrip() for line in frame.split(b"\n") if line.startswith(b"data:")]
            if data:
                return b"\n".join(data)

    async def _read(self):
        if not self.chunked:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise EOFError("stream closed")
            return chunk
        size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            raise EOFError("stream closed")
        chunk = await self.reader.readexactly(size)
        await self.reader.readexactly(2)
        return chunk

    def close(self):
        self.writer.close()


async def subscribe(url, query):
    """Opens one stream; returns once the response headers have arrived."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + "/sse?" + urllib.parse.urlencode({"query": query})
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode(errors="replace").lower()
    status = int(head.split(" ", 2)[1])
    if status != 200 or "text/event-stream" not in head:
        body = await asyncio.wait_for(reader.read(400), 2)
        writer.close()
        raise StreamRefused(f"HTTP {status}: {body.decode(errors='replace')[:200]}")
    return Subscriber(reader, writer, "transfer-encoding: chunked" in head)


async def measure(url, query, count, trigger, settle_seconds=1.0, timeout=15.0):
    """Opens `count` streams, runs `trigger()` (blocking, in a thread) once all are open, and
    returns the measurement: perf-counter and wall-clock arrival times of the first event at
    each subscriber, the trigger's send time, and the events' payloads."""
    first = await subscribe(url, query)  # a refused stream stops here, before opening 1,000
    gate = asyncio.Semaphore(200)

    async def open_one():
        async with gate:
            return await subscribe(url, query)

    opened_at = time.perf_counter()
    subscribers = [first] + list(await asyncio.gather(*(open_one() for _ in range(count - 1))))
    open_seconds = time.perf_counter() - opened_at

    async def receive(subscriber):
        data = await subscriber.next_event()
        return time.perf_counter(), time.time(), data

    receivers = [asyncio.create_task(receive(s)) for s in subscribers]
    await asyncio.sleep(settle_seconds)
    sent = time.perf_counter()
    trigger_task = asyncio.create_task(asyncio.to_thread(trigger))
    done, pending = await asyncio.wait(receivers, timeout=timeout)
    for task in pending:
        task.cancel()
    await trigger_task
    for s in subscribers:
        s.close()
    arrivals = [t.result() for t in done if t.exception() is None]
    return {"open_seconds": open_seconds, "sent": sent, "arrivals": arrivals, "expected": count}


def summarize(measurement, event_path):
    """Delivery figures in ms: from the event's own time (`at`) and from the trigger's send to
    the median and last arrival; plus the number of clean deliveries."""
    arrivals = measurement["arrivals"]
    clean, at_values = [], set()
    for perf, wall, data in arrivals:
        try:
            answer = json.loads(data)
        except ValueError:
            continue
        event = answer.get("data")
        for key in event_path:
            event = (event or {}).get(key)
        if answer.get("errors") or not isinstance(event, dict):
            continue
        clean.append((perf, wall))
        at_values.add(event.get("at"))
    result = {"received": len(clean), "expected": measurement["expected"], "open_seconds": measurement["open_seconds"]}
    if not clean:
        return result
    perfs = sorted(p for p, _ in clean)
    walls = sorted(w for _, w in clean)
    result["from_trigger_p50_ms"] = (perfs[len(perfs) // 2] - measurement["sent"]) * 1000
    result["from_trigger_last_ms"] = (perfs[-1] - measurement["sent"]) * 1000
    event_time = _epoch(at_values.pop()) if len(at_values) == 1 else None
    if event_time is not None:
        result["from_event_p50_ms"] = (walls[len(walls) // 2] - event_time) * 1000
        result["from_event_last_ms"] = (walls[-1] - event_time) * 1000
    return result


def _epoch(at):
    """The event's time as Unix seconds: an RFC 3339 string or Unix milliseconds."""
    if isinstance(at, (int, float)):
        return at / 1000
    try:
        return datetime.fromisoformat(str(at).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
