"""Scenarios 6, 8 and 12's client: many Server-Sent Events subscribers on raw HTTP/1.1
connections, the arrival time of one event at each of them (6, 12), and bursts of streams
opened, served one event and dropped (8).

Arrivals are read with one epoll loop over plain sockets and stamped with the time the poll
returned, so the client's own parsing does not count as delivery time. Scenario 12's 10,000
streams are more than one Python loop reads in the time measured: there, each arrival carries
the kernel's receive time of its bytes (SO_TIMESTAMPNS), and the client's own lag (from that
time to when the loop read it) is measured beside it; scenario 12 starts reading only after the
delivery, so that its parsing does not take the CPU (2 cores shared) the server delivers with."""

import json
import selectors
import socket
import struct
import threading
import time
import urllib.parse
from contextlib import contextmanager
from datetime import datetime


# Linux's value (asm-generic/socket.h); Python's socket module does not name it.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


class StreamRefused(Exception):
    """The SSE endpoint answered with something other than an event stream."""


class Subscriber:
    def __init__(self, sock, chunked, rest):
        self.sock, self.chunked = sock, chunked
        self.raw = rest  # bytes as received (chunk framing included)
        self.body = b""  # the event stream itself
        self.event = None  # data of the first event with data
        self.closed = False

    def feed(self, data):
        """Adds received bytes; returns True once the first event with data is complete."""
        if not data:
            self.closed = True
        self.raw += data
        self._dechunk()
        while self.event is None and b"\n\n" in self.body:
            frame, self.body = self.body.split(b"\n\n", 1)
            lines = [line[5:].lstrip() for line in frame.split(b"\n") if line.startswith(b"data:")]
            if lines:  # keep-alive comments carry no data
                self.event = b"\n".join(lines)
        return self.event is not None

    def _dechunk(self):
        if not self.chunked:
            self.body, self.raw = self.body + self.raw, b""
            return
        while b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.closed = True
                self.raw = b""
                return
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.raw = rest[size + 2:]


def subscribe(url, query, timeout=10.0, kernel_stamps=False):
    """Opens one stream; returns once its response headers have arrived."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + "/sse?" + urllib.parse.urlencode({"query": query})
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    if kernel_stamps:
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received:
        data = sock.recv(65536)
        if not data:
            sock.close()
            raise StreamRefused(f"connection closed before the headers: {received[:200]!r}")
        received += data
    head, rest = received.split(b"\r\n\r\n", 1)
    head = head.decode(errors="replace").lower()
    status = int(head.split(" ", 2)[1])
    if status != 200 or "text/event-stream" not in head:
        sock.close()
        raise StreamRefused(f"HTTP {status}: {rest.decode(errors='replace')[:200]}")
    sock.setblocking(False)
    return Subscriber(sock, "transfer-encoding: chunked" in head, rest)


def measure(url, query, count, trigger, settle_seconds=1.0, timeout=15.0):
    """Opens `count` streams, then runs `trigger()` in a thread and records when the first event
    reaches each subscriber (perf counter and wall clock)."""
    opened_at = time.perf_counter()
    subscribers = []
    try:
        for _ in range(count):
            subscribers.append(subscribe(url, query))  # a refused stream stops at the first
        open_seconds = time.perf_counter() - opened_at
        time.sleep(settle_seconds)
        sent = time.perf_counter()
        threading.Thread(target=trigger, daemon=True).start()
        arrivals = first_events(subscribers, sent + timeout)
    finally:
        for s in subscribers:
            s.sock.close()
    return {"open_seconds": open_seconds, "sent": sent, "arrivals": arrivals, "expected": count}


def _first_events(subscribers, deadline, read):
    """Reads every stream until its first event with data (or its end) or the deadline (perf
    counter); `read(sock, polled)` returns (bytes, stamp) and an arrival is (stamp, event data)."""
    selector = selectors.DefaultSelector()
    for s in subscribers:
        selector.register(s.sock, selectors.EVENT_READ, s)
    arrivals, waiting = [], len(subscribers)
    try:
        while waiting and time.perf_counter() < deadline:
            ready = selector.select(timeout=0.5)
            polled = (time.perf_counter(), time.time())
            for key, _ in ready:
                s = key.data
                try:
                    data, stamp = read(s.sock, polled)
                except BlockingIOError:
                    continue
                if s.feed(data):
                    arrivals.append((stamp, s.event))
                if s.event is not None or s.closed:
                    selector.unregister(s.sock)
                    waiting -= 1
    finally:
        selector.close()
    return arrivals


def first_events(subscribers, deadline):
    """(perf counter, wall clock, event data) per arrival, stamped when the poll returned."""
    arrivals = _first_events(subscribers, deadline, lambda sock, polled: (sock.recv(65536), polled))
    return [(perf, wall, event) for (perf, wall), event in arrivals]


@contextmanager
def open_streams(url, query, count):
    """`count` streams whose arrivals carry the kernel's receive time, for a `with` block that
    closes them all however it ends."""
    subscribers = []
    try:
        for _ in range(count):
            subscribers.append(subscribe(url, query, kernel_stamps=True))
        yield subscribers
    finally:
        for s in subscribers:
            s.sock.close()


def first_events_stamped(subscribers, deadline):
    """(kernel receive time, client lag, event data) per arrival: wall-clock seconds when the
    kernel received the bytes that completed the event, and how long after that the loop read
    them. `deadline` is a perf counter."""
    ancillary = socket.CMSG_SPACE(16)

    def read(sock, _polled):
        data, cmsgs, _, _ = sock.recvmsg(65536, ancillary)
        read_at = time.time()
        stamp = read_at
        for level, kind, payload in cmsgs:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                seconds, nanos = struct.unpack("qq", payload[:16])
                stamp = seconds + nanos / 1e9
        return data, (stamp, read_at - stamp)

    arrivals = _first_events(subscribers, deadline, read)
    return [(stamp, lag, event) for (stamp, lag), event in arrivals]


def burst(url, query, count, trigger, timeout=30.0):
    """Scenario 8's burst: opens `count` streams, runs `trigger()` once all are open, waits until
    every stream has delivered an event with data, then closes them all at once (the client
    goes away; the subscriptions stay open on the server until it notices). Returns the
    seconds taken to open the streams and the number that delivered an event."""
    started = time.perf_counter()
    subscribers = []
    try:
        for _ in range(count):
            subscribers.append(subscribe(url, query))
        open_seconds = time.perf_counter() - started
        trigger()
        delivered = len(first_events(subscribers, time.perf_counter() + timeout))
    finally:
        for s in subscribers:
            s.sock.close()
    return open_seconds, delivered


def summarize(measurement, event_path):
    """Delivery figures in ms: from the event's own time (`at`) and from the trigger's send to
    the median and last arrival; plus the number of clean deliveries."""
    clean, at_values = [], set()
    for perf, wall, data in measurement["arrivals"]:
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
    event_time = event_epoch(at_values.pop()) if len(at_values) == 1 else None
    if event_time is not None:
        result["from_event_p50_ms"] = (walls[len(walls) // 2] - event_time) * 1000
        result["from_event_last_ms"] = (walls[-1] - event_time) * 1000
    return result


def event_epoch(at):
    """The event's time as Unix seconds: an RFC 3339 string or Unix milliseconds."""
    if isinstance(at, (int, float)):
        return at / 1000
    try:
        return datetime.fromisoformat(str(at).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
