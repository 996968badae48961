#!/usr/bin/env python3
"""The cluster proof: three Gatehouse nodes on one PostgreSQL behind HAProxy, under load.

    python3 tests/cluster/run.py target/release/gatehouse

Starts a throwaway PostgreSQL (scripts/postgres.sh), three nodes of the given binary (each with
its own config: the same storage URL, loopback ports picked free), HAProxy in front of the
three user listeners (health-checking `/ready` on each node's admin listener), an SSE
subscriber of the audit stream on every node (reconnecting when its node restarts) and a client
load of registrations and logins through the proxy. Meanwhile:

  (a) one node is killed with SIGKILL, then started again;
  (b) every node in turn is stopped with SIGTERM and started again (a rolling restart);
  (c) PostgreSQL is stopped and started again.

Checks: no acknowledged registration is lost (every one is listed by the admin API and logs in
afterwards), no request fails during (b), only clean errors (a JSON body, no hang, no cut
connection) during (c), and each subscriber receives every event that `listEvents` holds and
that was recorded while the subscriber was connected (its own reconnect gaps excluded, its
node's LISTEN reconnects not). Prints the figures and `cluster: N passed, M failed`; exits 1
when a check failed, 2 when the harness itself could not run.

Python 3.11, standard library only. Installs HAProxy with apt-get when it is missing (as root).
Every process it starts and every directory it makes is removed on any exit; the processes it
starts directly also die with it if it is killed (setpriv --pdeathsig).
"""

from __future__ import annotations

import argparse
import base64
import collections
import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADMIN_USER = "admin"
ADMIN_PASSWORD = "cluster-admin-secret"
PASSWORD = "cluster-secret-1"
EVENTS_QUERY = "subscription { audit { subscribeForEvents { id type domain } } }"

REGISTER = (
    "mutation($u: String!, $e: String!, $p: String!) "
    "{ register(input: {username: $u, email: $e, password: $p}) { jwt user { id } } }"
)
LOGIN = "mutation($i: String!, $p: String!) { login(input: {identifier: $i, password: $p}) { jwt } }"
LIST_EVENTS = (
    "query($before: Int) { audit { listEvents(limit: 1000, before: $before) { id type domain user at } } }"
)
# The event each operation of the load records, for the user it names.
EVENT_OF = {"register": "USER_REGISTERED", "login": "LOGIN_SUCCEEDED"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")

Request = collections.namedtuple("Request", "start end op user outcome detail node")
LIST_USERS = 'query { account { listUsers(domain: "localhost") countUsers(domain: "localhost") } }'


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


class HarnessError(Exception):
    """The harness could not do its work (as opposed to a check that failed)."""


class Interrupted(BaseException):
    """SIGTERM, SIGINT, SIGHUP or the overall time limit: clean up and leave."""


# ---------------------------------------------------------------------------------------------
# Small utilities


def free_ports(count: int) -> list[int]:
    """Free ports below the kernel's ephemeral range: a node restarted on its port must not find
    it taken by one of the many outgoing connections the run makes meanwhile (those get ports
    from the ephemeral range). All are held open together, so that no two are the same."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 0
    candidates = random.sample(range(max(1024, low - 12000), low), min(2000, max(0, low - 1024))) if low > 1024 + count else []
    sockets = []
    try:
        for port in candidates:
            if len(sockets) == count:
                break
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                s.close()
                continue
            sockets.append(s)
        while len(sockets) < count:  # no range to pick from: the kernel's choice
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def hold_port(port: int):
    """A socket bound to `port` (not listening), so that no outgoing connection takes it as its
    local port while its server is down; None when something already has it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    return s


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise HarnessError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def http_call(port, method, path, body=None, headers=None, timeout=10.0):
    """One request on its own connection; returns (status, headers dict, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def graphql(port, path, query, variables=None, authorization=None, timeout=15.0):
    headers = {"content-type": "application/json", "accept": "application/json", "connection": "close"}
    if authorization:
        headers["authorization"] = authorization
    status, _, data = http_call(port, "POST", path, json.dumps({"query": query, "variables": variables or {}}), headers, timeout)
    body = json.loads(data)
    if status != 200 or body.get("errors"):
        raise HarnessError(f"{query[:50]}...: {status} {data[:300]!r}")
    return body["data"]


def seconds_of(at: str) -> float:
    return datetime.datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def pdeathsig_prefix() -> list[str]:
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# ---------------------------------------------------------------------------------------------
# PostgreSQL, Gatehouse nodes, HAProxy


class Postgres:
    def __init__(self, directory: str):
        self.dir = directory
        self.url = None
        self.bindir = None

    def start(self):
        result = subprocess.run(
            [os.path.join(ROOT, "scripts/postgres.sh"), "start", self.dir],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise HarnessError(f"scripts/postgres.sh start failed:\n{result.stderr[-2000:]}")
        self.url = result.stdout.strip().splitlines()[-1]
        for candidate in ["/usr/lib/postgresql/15/bin"] + sorted(
            (f"/usr/lib/postgresql/{v}/bin" for v in os.listdir("/usr/lib/postgresql")), reverse=True
        ):
            if os.path.exists(os.path.join(candidate, "pg_ctl")):
                self.bindir = candidate
                break
        return self.url

    def _pg_ctl(self, *args):
        command = [os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.dir, "data"), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=90)
        if result.returncode != 0:
            raise HarnessError(f"pg_ctl {' '.join(args)} failed: {result.stdout[-1000:]}")

    def stop_server(self):
        self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")

    def start_server(self):
        self._pg_ctl("start", "-w", "-t", "60", "-l", os.path.join(self.dir, "postgres.log"))

    def cleanup(self):
        subprocess.run(
            [os.path.join(ROOT, "scripts/postgres.sh"), "stop", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )


class Node:
    def __init__(self, name, binary, workdir, storage_url, user_port, admin_port, shutdown_delay):
        self.name = name
        self.binary = binary
        self.user_port = user_port
        self.admin_port = admin_port
        self.config = os.path.join(workdir, f"{name}.toml")
        self.logfile = os.path.join(workdir, f"{name}.log")
        self.process = None
        with open(self.config, "w") as f:
            f.write(
                f"""[storage]
url = "{storage_url}"
pool_size = 8

[smtp]
outbox = "{os.path.join(workdir, name + '-outbox')}"

[server]
log_level = "warn"
sse_keepalive_seconds = 1
shutdown_delay_seconds = {shutdown_delay}
drain_seconds = 10

[[domains]]
name = "localhost"

[[listen]]
handler = "user"
address = "127.0.0.1:{user_port}"
path = "/graphql"
default_domain = "localhost"

[[listen]]
handler = "admin"
address = "127.0.0.1:{admin_port}"
path = "/api/graphql"
username = "{ADMIN_USER}"
password = "{ADMIN_PASSWORD}"
"""
            )

    def start(self):
        with open(self.logfile, "a") as out:
            out.write(f"--- start at {time.time():.3f}\n")
            out.flush()
            self.process = subprocess.Popen(
                pdeathsig_prefix() + [self.binary, "serve", "--config", self.config],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise HarnessError(f"{self.name} exited with {self.process.returncode} (log: {self.logfile})")
        try:
            status, _, _ = http_call(self.admin_port, "GET", "/ready", timeout=2)
            return status == 200
        except OSError:
            return False

    def signal(self, sig):
        self.process.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise HarnessError(f"{self.name} did not exit within {timeout:.0f} s") from None



def stop_nodes(nodes):
    """SIGTERM to every node still running, SIGKILL to those still there 20 s later."""
    running = [n.process for n in nodes if n.process is not None and n.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in running:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class HAProxy:
    def __init__(self, workdir, port, nodes, inter_ms, fall, rise):
        self.port = port
        self.socket_path = os.path.join(workdir, "haproxy.sock")
        self.config = os.path.join(workdir, "haproxy.cfg")
        self.logfile = os.path.join(workdir, "haproxy.log")
        self.process = None
        errors = {}
        for status, reason in [(502, "Bad Gateway"), (503, "Service Unavailable"), (504, "Gateway Timeout")]:
            # The proxy's own answers are JSON too, marked so that the figures tell them apart.
            body = json.dumps({"errors": [{"message": f"proxy: {reason}", "extensions": {"code": f"proxy_{status}"}}]}) + "\n"
            path = os.path.join(workdir, f"{status}.http")
            with open(path, "w") as f:
                f.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nCache-Control: no-cache\r\n"
                    f"Connection: close\r\nX-Proxy-Error: {status}\r\nContent-Length: {len(body)}\r\n\r\n{body}"
                )
            errors[status] = path
        servers = "\n".join(
            f"    server {n.name} 127.0.0.1:{n.user_port} check port {n.admin_port}" for n in nodes
        )
        with open(self.config, "w") as f:
            f.write(
                f"""global
    maxconn 4096
    stats socket {self.socket_path} mode 600 level user
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 30s
    timeout server 12s
    timeout http-request 10s
    timeout queue 5s
    # A connection refused or answered with nothing is tried again, on another node each time.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    errorfile 502 {errors[502]}
    errorfile 503 {errors[503]}
    errorfile 504 {errors[504]}

frontend user
    bind 127.0.0.1:{port}
    default_backend gatehouse

backend gatehouse
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    http-response set-header X-Gatehouse-Node %[srv_name]
    default-server inter {inter_ms}ms fall {fall} rise {rise}
{servers}
"""
            )

    def start(self):
        check = subprocess.run(["haproxy", "-c", "-q", "-f", self.config], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if check.returncode != 0:
            raise HarnessError(f"haproxy refused its config:\n{check.stdout}")
        out = open(self.logfile, "a")
        self.process = subprocess.Popen(
            pdeathsig_prefix() + ["haproxy", "-db", "-f", self.config],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()

    def stat(self) -> dict[str, dict[str, str]]:
        """`show stat` of the backend's servers, by server name."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(self.socket_path)
            s.sendall(b"show stat\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        lines = b"".join(chunks).decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = {}
        for line in lines[1:]:
            if not line:
                continue
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "gatehouse":
                rows[row["svname"]] = row
        return rows

    def status(self) -> dict[str, str]:
        try:
            return {name: row["status"] for name, row in self.stat().items()}
        except OSError:
            return {}

    def cleanup(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


REAPER = """
trap 'scripts/postgres.sh stop "$1/postgres" >/dev/null 2>&1; rm -rf "$1"; kill $! 2>/dev/null; exit 0' TERM
while :; do sleep 3600 & wait $!; done
"""


def start_reaper(workdir):
    """A process that stops PostgreSQL (which pg_ctl runs as a daemon) and removes the work
    directory if this harness dies without cleaning up (SIGKILL): the kernel sends it SIGTERM
    when its parent goes. The other processes are ours directly and die with us the same way."""
    prefix = pdeathsig_prefix()
    if not prefix:
        return None
    prefix[2] = "TERM"
    return subprocess.Popen(
        prefix + ["bash", "-c", REAPER, "reaper", workdir],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_reaper(reaper):
    """After a normal cleanup: the reaper and its `sleep` go without running the trap."""
    try:
        os.killpg(reaper.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    reaper.wait()


def ensure_haproxy():
    if shutil.which("haproxy"):
        return
    if os.geteuid() != 0:
        raise HarnessError("haproxy is not installed and this is not root: apt-get install haproxy")
    log("installing HAProxy (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "haproxy"]):
        result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        if result.returncode != 0:
            raise HarnessError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}")
    if not shutil.which("haproxy"):
        raise HarnessError("haproxy still not found after apt-get install")


# ---------------------------------------------------------------------------------------------
# Observers: the status of each node in HAProxy, the audit stream of each node


class StatusMonitor(threading.Thread):
    """Polls HAProxy every 50 ms and records each change of a server's status."""

    def __init__(self, proxy: HAProxy):
        super().__init__(daemon=True)
        self.proxy = proxy
        self.stop = threading.Event()
        self.current: dict[str, str] = {}
        self.changes: list[tuple[float, str, str]] = []

    def run(self):
        while not self.stop.is_set():
            now = time.time()
            for name, status in self.proxy.status().items():
                if self.current.get(name) != status:
                    self.current[name] = status
                    self.changes.append((now, name, status))
            self.stop.wait(0.05)

    def first(self, name: str, status: str, after: float):
        """When `name` first had `status` (`UP`, `DOWN`; not the `UP 1/2` of a transition) after `after`."""
        for at, server, current in list(self.changes):
            if server == name and at >= after and current == status:
                return at
        return None

    def wait_for(self, name: str, status: str, after: float, timeout: float):
        return wait_until(lambda: self.first(name, status, after), timeout, f"HAProxy to see {name} {status}")


class Subscriber(threading.Thread):
    """`GET <admin>/api/graphql/sse?query=subscription...` on one node, reconnecting whenever the
    stream ends; records each connected interval and every event id it receives."""

    def __init__(self, node: Node):
        super().__init__(daemon=True)
        self.node = node
        self.stop = threading.Event()
        self.intervals: list[list] = []  # [opened, closed or None, why it closed]
        self.received: dict[int, float] = {}
        self.duplicates = 0
        self.refusals = collections.Counter()
        self.connection = None
        self.lock = threading.Lock()

    def run(self):
        path = "/api/graphql/sse?" + urllib.parse.urlencode({"query": EVENTS_QUERY})
        headers = {"accept": "text/event-stream", "authorization": basic(ADMIN_USER, ADMIN_PASSWORD)}
        while not self.stop.is_set():
            interval = None
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.node.admin_port, timeout=5)
                with self.lock:
                    self.connection = connection
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                if response.status != 200:
                    self.refusals[f"HTTP {response.status}"] += 1
                    response.read()
                    connection.close()
                    self.stop.wait(0.1)
                    continue
                # The server registers the subscription before it answers: from here on, every
                # event it records or relays is owed to this stream.
                interval = [time.time(), None, None]
                self.intervals.append(interval)
                event_id = None
                while not self.stop.is_set():
                    line = response.readline()
                    if not line:
                        interval[2] = "ended by the server"
                        break
                    line = line.decode().rstrip("\n")
                    if line.startswith("data: "):
                        data = json.loads(line[6:])
                        event = data["data"]["audit"]["subscribeForEvents"]
                        event_id = int(event["id"])
                        if event_id in self.received:
                            self.duplicates += 1
                        else:
                            self.received[event_id] = time.time()
            except (OSError, http.client.HTTPException, ValueError) as e:
                if interval is None:
                    self.refusals[type(e).__name__] += 1
                else:
                    interval[2] = f"{type(e).__name__}"
            finally:
                if interval is not None and interval[1] is None:
                    interval[1] = time.time()
                    if interval[2] is None:
                        interval[2] = "closed by the harness"
                with self.lock:
                    if self.connection is not None:
                        self.connection.close()
                    self.connection = None
            self.stop.wait(0.1)

    def close(self):
        self.stop.set()
        with self.lock:
            if self.connection is not None and self.connection.sock is not None:
                try:
                    self.connection.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.join(10)


# ---------------------------------------------------------------------------------------------
# The client load


class Load:
    """Workers registering new users and logging in acknowledged ones through the proxy; each
    request is recorded with its start, end, operation, outcome and the node that served it."""

    def __init__(self, port, workers, max_requests, keepalive, seed):
        self.port = port
        self.workers = workers
        self.max_requests = max_requests
        self.keepalive = keepalive
        self.stop = threading.Event()
        self.records: list[Request] = []
        self.acknowledged: list[str] = []
        # Each acknowledged user logs in once during the load (the login limit is per user).
        self.to_log_in: collections.deque[str] = collections.deque()
        self.threads = []
        self.run_id = f"{seed:06x}"
        self.count = 0
        self.lock = threading.Lock()

    def start(self):
        for index in range(self.workers):
            thread = threading.Thread(target=self.worker, args=(index,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def close(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def worker(self, index):
        rng = random.Random(index)
        keepalive = self.keepalive == "all" or (self.keepalive == "half" and index % 2 == 1)
        connection = None
        sequence = 0
        while not self.stop.is_set():
            with self.lock:
                if self.count >= self.max_requests:
                    return
                self.count += 1
            username = None
            if rng.random() < 0.4:
                try:
                    username = self.to_log_in.popleft()
                except IndexError:
                    pass
            if username is not None:
                op = "login"
                query, variables = LOGIN, {"i": username, "p": PASSWORD}
            else:
                op = "register"
                sequence += 1
                username = f"c{self.run_id}w{index}n{sequence}"
                query, variables = REGISTER, {"u": username, "e": f"{username}@example.com", "p": PASSWORD}
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            outcome, detail, node, connection = self.send(connection, keepalive, op, username, query, variables)
            if not keepalive and connection is not None:
                connection.close()
                connection = None
            if outcome == "ok" and op == "register":
                self.acknowledged.append(username)
                self.to_log_in.append(username)
            if outcome != "ok":
                self.stop.wait(0.05)
        if connection is not None:
            connection.close()

    def send(self, connection, keepalive, op, username, query, variables):
        started = time.time()
        headers = {"content-type": "application/json", "accept": "application/json"}
        if not keepalive:
            headers["connection"] = "close"
        node = None
        try:
            connection.request("POST", "/graphql", json.dumps({"query": query, "variables": variables}), headers)
            response = connection.getresponse()
            data = response.read()
            node = response.getheader("x-gatehouse-node")
            proxy_error = response.getheader("x-proxy-error")
            outcome, detail = classify(op, response.status, response.getheader("content-type") or "", data, proxy_error)
            if response.getheader("connection", "").lower() == "close":
                connection.close()
                connection = None
        except TimeoutError:
            outcome, detail = "hang", "no answer within 15 s"
            connection.close()
            connection = None
        except (OSError, http.client.HTTPException) as e:
            outcome, detail = "connection_error", type(e).__name__
            connection.close()
            connection = None
        self.records.append(Request(started, time.time(), op, username, outcome, detail, node))
        return outcome, detail, node, connection


def classify(op, status, content_type, data, proxy_error):
    """`ok`, a clean error (`graphql_error`, `http_4xx`, `http_5xx`, `proxy_503`: a JSON body),
    or an unclean one (`non_json`, `bad_answer`, `proxy_502` (cut), `proxy_504` (hang))."""
    try:
        body = json.loads(data)
    except ValueError:
        return "non_json", f"HTTP {status} {content_type} {data[:80]!r}"
    if proxy_error:
        return f"proxy_{proxy_error}", f"HTTP {status} from HAProxy"
    if not isinstance(body, dict):
        return "bad_answer", f"HTTP {status} {data[:80]!r}"
    errors = body.get("errors")
    if status == 200 and not errors:
        payload = (body.get("data") or {}).get(op)
        if payload and payload.get("jwt"):
            return "ok", ""
        return "bad_answer", f"HTTP 200 without data: {data[:120]!r}"
    if not errors:
        return "bad_answer", f"HTTP {status} without errors: {data[:120]!r}"
    first = errors[0]
    code = (first.get("extensions") or {}).get("code") or first.get("message", "")[:60]
    if status == 200:
        return "graphql_error", f"{code}: {first.get('message', '')[:80]}"
    return f"http_{status // 100}xx", f"HTTP {status} {code}"


CLEAN = {"ok", "graphql_error", "http_4xx", "http_5xx", "proxy_503"}


# ---------------------------------------------------------------------------------------------
# The run


class Timeline:
    def __init__(self):
        self.marks: list[tuple[float, str]] = []

    def mark(self, what):
        self.marks.append((time.time(), what))
        log(what)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="the gatehouse binary (the release build)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients (4)")
    parser.add_argument("--max-requests", type=int, default=20000, help="bound on the load's requests (20000)")
    parser.add_argument(
        "--keepalive",
        choices=["none", "all", "half"],
        default="half",
        help="which clients keep their connection to the proxy between requests (half: every other one)",
    )
    parser.add_argument("--check-interval-ms", type=int, default=500, help="HAProxy's `inter` (500)")
    parser.add_argument("--fall", type=int, default=2, help="HAProxy's `fall` (2)")
    parser.add_argument("--rise", type=int, default=2, help="HAProxy's `rise` (2)")
    parser.add_argument(
        "--shutdown-delay",
        type=int,
        default=None,
        help="the nodes' shutdown_delay_seconds (default: inter x fall rounded up, plus 1 s)",
    )
    parser.add_argument("--phase-seconds", type=float, default=5.0, help="load before, between and after the events (5)")
    parser.add_argument("--time-limit", type=int, default=480, help="the whole run, in seconds (480)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, configs)")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"not an executable: {binary}", file=sys.stderr)
        return 2
    if args.shutdown_delay is None:
        args.shutdown_delay = -(-args.check_interval_ms * args.fall // 1000) + 1

    def interrupt(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, interrupt)
    signal.alarm(args.time_limit)

    workdir = tempfile.mkdtemp(prefix="gatehouse-cluster-")
    # PostgreSQL runs as the postgres user, which must reach its directory inside this one.
    os.chmod(workdir, 0o755)
    cleanups = []
    try:
        reaper = start_reaper(workdir)
        if reaper is not None:
            cleanups.append(lambda: stop_reaper(reaper))
        return run(args, binary, workdir, cleanups)
    except HarnessError as e:
        log(f"harness error: {e}")
        return 2
    except Interrupted as e:
        log(f"interrupted ({e}); cleaning up")
        return 2
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as e:  # noqa: BLE001 - cleanup goes on whatever failed
                log(f"cleanup: {e}")
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args, binary, workdir, cleanups) -> int:
    ensure_haproxy()
    timeline = Timeline()
    started = time.time()

    postgres = Postgres(os.path.join(workdir, "postgres"))
    cleanups.append(postgres.cleanup)
    url = postgres.start()
    timeline.mark(f"PostgreSQL at {url}")

    ports = free_ports(7)
    nodes = [
        Node(f"n{i + 1}", binary, workdir, url, ports[2 * i], ports[2 * i + 1], args.shutdown_delay) for i in range(3)
    ]
    cleanups.append(lambda: stop_nodes(nodes))
    # All three at once on the empty database: the first start is serialised by the nodes.
    for node in nodes:
        node.start()
    for node in nodes:
        wait_until(node.ready, 60, f"{node.name} ready")
    timeline.mark(
        "nodes ready: "
        + ", ".join(f"{n.name} user :{n.user_port} admin :{n.admin_port}" for n in nodes)
        + f"; shutdown_delay_seconds = {args.shutdown_delay}"
    )

    proxy = HAProxy(workdir, ports[6], nodes, args.check_interval_ms, args.fall, args.rise)
    cleanups.append(proxy.cleanup)
    proxy.start()
    monitor = StatusMonitor(proxy)
    cleanups.append(monitor.stop.set)
    wait_until(lambda: proxy.status() and all(s == "UP" for s in proxy.status().values()), 30, "HAProxy to see 3 nodes UP")
    monitor.start()
    timeline.mark(
        f"HAProxy on :{proxy.port}: check GET /ready every {args.check_interval_ms} ms, fall {args.fall}, rise {args.rise}"
    )

    subscribers = [Subscriber(node) for node in nodes]
    for subscriber in subscribers:
        subscriber.start()
        cleanups.append(subscriber.close)
    wait_until(lambda: all(s.intervals for s in subscribers), 30, "the subscribers to connect")

    load = Load(proxy.port, args.workers, args.max_requests, args.keepalive, random.randrange(1 << 24))
    cleanups.append(load.close)
    phases = []  # (name, start, end)
    recovery = {}
    stats_at = {}

    def phase(name):
        now = time.time()
        if phases:
            phases[-1][2] = now
        phases.append([name, now, None])
        stats_at[name] = proxy.stat()
        timeline.mark(f"phase {name}")

    def all_back_up(down_after, up_after):
        """Every node UP, and UP again since `up_after` if it went DOWN since `down_after`."""
        return all(
            monitor.current.get(n.name) == "UP"
            and (monitor.first(n.name, "DOWN", down_after) is None or monitor.first(n.name, "UP", up_after) is not None)
            for n in nodes
        )

    phase("baseline")
    load.start()
    time.sleep(args.phase_seconds)

    # (a) SIGKILL one node, start it again after a while.
    phase("a: SIGKILL")
    victim = nodes[0]
    killed = time.time()
    victim.signal(signal.SIGKILL)
    victim.wait(10)
    down = monitor.wait_for(victim.name, "DOWN", killed, 30)
    recovery["a: kill -> HAProxy marks it DOWN"] = down - killed
    time.sleep(max(0.0, args.phase_seconds - (time.time() - killed)))
    restarted = time.time()
    victim.start()
    wait_until(victim.ready, 60, f"{victim.name} ready")
    recovery["a: start -> node ready"] = time.time() - restarted
    up = monitor.wait_for(victim.name, "UP", restarted, 60)
    recovery["a: start -> HAProxy marks it UP"] = up - restarted
    time.sleep(args.phase_seconds / 2)

    # (b) Rolling restart with SIGTERM.
    phase("b: rolling SIGTERM")
    exits = {}
    for node in nodes:
        stopping = time.time()
        node.signal(signal.SIGTERM)
        code = node.wait(args.shutdown_delay + 10 + 20)
        exited = time.time()
        exits[node.name] = code
        down = monitor.first(node.name, "DOWN", stopping)
        recovery[f"b: {node.name} SIGTERM -> exit {code}"] = exited - stopping
        if down:
            recovery[f"b: {node.name} SIGTERM -> HAProxy marks it DOWN"] = down - stopping
        restarted = time.time()
        node.start()
        wait_until(node.ready, 60, f"{node.name} ready")
        up = monitor.wait_for(node.name, "UP", restarted, 60)
        recovery[f"b: {node.name} start -> HAProxy marks it UP"] = up - restarted
        time.sleep(1.0)
    time.sleep(args.phase_seconds / 2)

    # (c) PostgreSQL stopped and started again.
    phase("c: PostgreSQL restart")
    pg_stopping = time.time()
    postgres.stop_server()
    pg_stopped = time.time()
    # PostgreSQL's port (scripts/postgres.sh picks it in the ephemeral range) is kept from the
    # outgoing connections of the run while it is down.
    held = hold_port(urllib.parse.urlsplit(url).port)
    recovery["c: PostgreSQL stop (fast)"] = pg_stopped - pg_stopping
    time.sleep(args.phase_seconds)
    if held is not None:
        held.close()
    pg_starting = time.time()
    postgres.start_server()
    pg_started = time.time()
    recovery["c: PostgreSQL start"] = pg_started - pg_starting
    wait_until(lambda: all_back_up(pg_stopping, pg_started), 90, "HAProxy to see every node UP again")
    recovery["c: PostgreSQL up -> HAProxy sees every node UP"] = time.time() - pg_started
    time.sleep(args.phase_seconds)
    first_ok = next(
        (r.end for r in sorted(load.records, key=lambda r: r.end) if r.end >= pg_started and r.outcome == "ok"), None
    )
    if first_ok:
        recovery["c: PostgreSQL up -> first acknowledged request"] = first_ok - pg_started

    phase("end")
    load.close()
    phases[-1][2] = time.time()
    # Events are relayed within milliseconds; give the last ones a moment before closing.
    time.sleep(1.0)
    for subscriber in subscribers:
        subscriber.close()
    monitor.stop.set()
    stats_at["after"] = proxy.stat()
    timeline.mark(f"load stopped after {load.count} requests")

    # ---- verification
    admin = nodes[1]
    auth = basic(ADMIN_USER, ADMIN_PASSWORD)
    users = graphql(admin.admin_port, "/api/graphql", LIST_USERS, authorization=auth, timeout=60)["account"]
    listed = set(users["listUsers"] or [])
    acknowledged = list(dict.fromkeys(load.acknowledged))
    missing_users = [u for u in acknowledged if f"{u}@localhost" not in listed]

    events = []
    before = None
    while True:
        page = graphql(admin.admin_port, "/api/graphql", LIST_EVENTS, {"before": before}, auth, 60)["audit"]["listEvents"]
        events.extend(page)
        if len(page) < 1000:
            break
        before = page[-1]["id"]
    events = {int(e["id"]): (seconds_of(e["at"]), e["type"], e["user"]) for e in events}

    # Every acknowledged user logs in afterwards, through the proxy.
    login_failures = verify_logins(proxy.port, acknowledged, args.workers)
    timeline.mark(f"{len(acknowledged)} acknowledged users checked ({len(login_failures)} could not log in)")

    return report(
        args, nodes, phases, load, recovery, exits, stats_at, subscribers, events, acknowledged, users, missing_users,
        login_failures, time.time() - started, (pg_stopping, pg_started), workdir,
    )


def verify_logins(port, usernames, workers):
    failures = []
    queue = list(usernames)
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not queue:
                    return
                username = queue.pop()
            for attempt in range(3):
                try:
                    status, _, data = http_call(
                        port,
                        "POST",
                        "/graphql",
                        json.dumps({"query": LOGIN, "variables": {"i": username, "p": PASSWORD}}),
                        {"content-type": "application/json", "connection": "close"},
                        20,
                    )
                    body = json.loads(data)
                    if status == 200 and not body.get("errors") and body["data"]["login"]["jwt"]:
                        break
                    reason = f"HTTP {status} {data[:120]!r}"
                except (OSError, ValueError, http.client.HTTPException) as e:
                    reason = type(e).__name__
                time.sleep(0.2)
            else:
                with lock:
                    failures.append((username, reason))

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return failures


OPEN_MARGIN = 0.05
CLOSE_MARGIN = 0.5


def report(
    args, nodes, phases, load, recovery, exits, stats_at, subscribers, events, acknowledged, users, missing_users,
    login_failures, elapsed, pg_window, workdir,
) -> int:
    checks = []

    def check(name, ok, detail=""):
        checks.append((name, bool(ok), detail))

    tested = [p for p in phases if p[0] != "end"]
    pg_stopping, pg_started = pg_window

    def phase_at(t):
        name = "before"
        for phase_name, start, _ in tested:
            if t >= start:
                name = phase_name
        return name

    # A request belongs to the phase in which it ended: one that straddles the start of a phase
    # may have been disturbed by what that phase does (a request sent just before PostgreSQL
    # stops fails because of the stop).
    by_phase = collections.defaultdict(list)
    for r in load.records:
        by_phase[phase_at(r.end)].append(r)

    print("\n== Requests through HAProxy, by phase (a request belongs to the phase in which it ended)")
    for name, start, end in tested:
        records = by_phase[name]
        outcomes = collections.Counter(r.outcome for r in records)
        failures = len(records) - outcomes.get("ok", 0)
        lat = [r.end - r.start for r in records]
        print(
            f"  {name:24} {end - start:6.1f} s  {len(records):6d} requests  {outcomes.get('ok', 0):6d} ok  {failures:5d} failed"
            f"  p50 {pct(lat, 0.5) * 1000:6.1f} ms  p99 {pct(lat, 0.99) * 1000:7.1f} ms  max {max(lat, default=0) * 1000:7.1f} ms"
        )
        served = collections.Counter(r.node or "-" for r in records)
        print(f"  {'':24} served by: " + ", ".join(f"{k} {v}" for k, v in sorted(served.items())))
        for kind, n in sorted(outcomes.items()):
            if kind != "ok":
                print(f"  {'':24} {kind}: {n}{'' if kind in CLEAN else ' (unclean)'}")
        for detail, n in collections.Counter(f"{r.outcome}: {r.detail}" for r in records if r.outcome != "ok").most_common(6):
            print(f"  {'':26} {n} x {detail}")

    print("\n== HAProxy retries and redispatches, by phase (its counters)")
    names = [p[0] for p in phases] + ["after"]
    for i, name in enumerate(names[:-2]):
        before, after = stats_at[name], stats_at[names[i + 1]]
        parts = []
        for node in nodes:
            b, a = before.get(node.name, {}), after.get(node.name, {})

            def delta(field):
                try:
                    return int(a.get(field) or 0) - int(b.get(field) or 0)
                except ValueError:
                    return 0

            parts.append(f"{node.name} {delta('wretr')}/{delta('wredis')}/{delta('eresp')}/{delta('econ')}")
        print(f"  {name:24} retries/redispatches/response errors/connection errors: " + ", ".join(parts))

    for name, label, since in (
        ("a: SIGKILL", "a: kill -> last failed request ended", dict((p[0], p[1]) for p in tested)["a: SIGKILL"]),
        ("c: PostgreSQL restart", "c: PostgreSQL up -> last failed request ended", pg_started),
    ):
        ends = [r.end for r in by_phase[name] if r.outcome != "ok"]
        if ends:
            recovery[label] = max(ends) - since

    print("\n== Recovery times")
    for name, seconds in recovery.items():
        print(f"  {name:56} {seconds:6.2f} s")

    # Checks on the requests.
    failed_in = lambda name: [r for r in by_phase[name] if r.outcome != "ok"]  # noqa: E731
    check("baseline: no request failed", not failed_in("baseline"), f"{len(by_phase['baseline'])} requests, {len(failed_in('baseline'))} failed")
    rolling = failed_in("b: rolling SIGTERM")
    check(
        "b: no request failed during the rolling restart",
        not rolling,
        f"{len(by_phase['b: rolling SIGTERM'])} requests, {len(rolling)} failed",
    )
    check(
        "b: every node exited 0 on SIGTERM",
        all(code == 0 for code in exits.values()),
        ", ".join(f"{k} {v}" for k, v in exits.items()),
    )
    unclean = [r for r in by_phase["c: PostgreSQL restart"] if r.outcome not in CLEAN]
    check(
        "c: only clean errors while PostgreSQL restarts (JSON body, no hang, no cut connection)",
        not unclean,
        f"{len(by_phase['c: PostgreSQL restart'])} requests, {len(unclean)} unclean"
        + (f": {collections.Counter(r.outcome + ' ' + r.detail for r in unclean).most_common(3)}" if unclean else ""),
    )

    print("\n== Acknowledged registrations")
    print(
        f"  acknowledged {len(acknowledged)}; users in the database {users['countUsers']}"
        f" (listed {len(users['listUsers'] or [])}); acknowledged but not listed {len(missing_users)};"
        f" acknowledged that could not log in afterwards {len(login_failures)}"
    )
    for username, reason in login_failures[:5]:
        print(f"    {username}: {reason}")
    check(
        "no acknowledged registration lost (listed by the admin API)",
        acknowledged and not missing_users,
        f"{len(acknowledged)} acknowledged, {len(missing_users)} missing",
    )
    check("every acknowledged user logs in afterwards", not login_failures, f"{len(login_failures)} could not")

    # The request that caused each event of the load (each user registers and logs in once),
    # and so the node that recorded it: the one HAProxy says answered, when it answered.
    request_of = {(EVENT_OF[r.op], f"{r.user}@localhost"): r for r in load.records}

    def origin(i):
        _, kind, user = events[i]
        r = request_of.get((kind, user))
        return r.node if r is not None and r.outcome == "ok" else None

    def event_phase(i):
        """The phase in which the event's request ended (the event is announced to the other
        nodes just before the answer), as for the requests; else the phase of its time."""
        at, kind, user = events[i]
        r = request_of.get((kind, user))
        return phase_at(r.end if r is not None else at)

    print(
        f"\n== Audit events: listEvents holds {len(events)}; each subscriber is owed those recorded while it was"
        f" connected (from {OPEN_MARGIN * 1000:.0f} ms after its stream opened to {CLOSE_MARGIN * 1000:.0f} ms before it ended)"
    )
    all_missing = []
    for subscriber in subscribers:
        name = subscriber.node.name
        intervals = [(o, c) for o, c, _ in subscriber.intervals]
        owed = {i for i, (at, _, _) in events.items() if any(o + OPEN_MARGIN <= at <= c - CLOSE_MARGIN for o, c in intervals)}
        received = set(subscriber.received)
        missing = sorted(owed - received)
        unknown = sorted(received - set(events))
        all_missing.extend((name, i) for i in missing)
        not_owed = sum(1 for i, (at, _, _) in events.items() if i not in owed and intervals[0][0] <= at <= intervals[-1][1])
        print(
            f"  {name}: owed {len(owed)}, received {len(received & owed)} of them, missing {len(missing)};"
            f" also received {len(received - owed)} not owed; not in the log {len(unknown)}; duplicates {subscriber.duplicates};"
            f" {len(intervals)} streams, {not_owed} events during its own reconnect gaps and margins;"
            f" reconnect attempts refused: {dict(subscriber.refusals) or 0}"
        )
        for o, c, why in subscriber.intervals:
            print(f"      stream {o - phases[0][1]:7.2f} s .. {c - phases[0][1]:7.2f} s after the load started ({why})")
        if missing:
            kinds = collections.Counter(
                "its own" if origin(i) == name else "another node's" if origin(i) else "of unknown origin" for i in missing
            )
            phases_missed = collections.Counter(event_phase(i) for i in missing)
            first, last = events[missing[0]][0], events[missing[-1]][0]
            print(
                f"      missing: {dict(phases_missed)}; {dict(kinds)}; recorded from {first - pg_started:+.2f} s to"
                f" {last - pg_started:+.2f} s after PostgreSQL was back (it was stopped at {pg_stopping - pg_started:+.2f} s)"
            )
            outside = [i for i in missing if event_phase(i) != "c: PostgreSQL restart"]
            for i in outside[:5]:
                at, kind, user = events[i]
                r = request_of.get((kind, user))
                answer = f"{r.outcome} {r.detail} from {r.node}".strip() if r is not None else "no request of the load"
                print(
                    f"      missing outside the PostgreSQL restart: id {i} {kind} {user}, recorded"
                    f" {at - phases[0][1]:.3f} s after the load started ({phase_at(at)}); its request: {answer}"
                )
        relayed_after = sorted(
            events[i][0] for i in received if events.get(i) and events[i][0] >= pg_started and origin(i) not in (None, name)
        )
        if relayed_after:
            print(f"      first event of another node received after PostgreSQL was back: recorded {relayed_after[0] - pg_started:+.2f} s after")
        check(
            f"{name}: every owed event received",
            owed and not missing and not unknown,
            f"{len(owed)} owed, {len(missing)} missing, {len(unknown)} unknown",
        )

    if all_missing:
        phases_missed = collections.Counter(event_phase(i) for _, i in all_missing)
        only_pg = set(phases_missed) <= {"c: PostgreSQL restart"}
        print(
            "  missed events by the phase they were recorded in: "
            + ", ".join(f"{k} {v}" for k, v in phases_missed.items())
            + ("  -- only while PostgreSQL restarts (the relay's LISTEN reconnect)" if only_pg else "")
        )

    print("\n== Node logs (all starts of each node)")
    for node in nodes:
        with open(node.logfile, errors="replace") as f:
            text = ANSI.sub("", f.read())
        counts = {
            "WARN": text.count(" WARN "),
            "ERROR": text.count(" ERROR "),
            "relay connection lost": text.count("event announcements: connection lost"),
            "events not recorded": text.count("cannot record event"),
            "events not announced": text.count("cannot announce event"),
            "panics": text.count("panicked"),
        }
        print(f"  {node.name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        check(f"{node.name}: no panic", counts["panics"] == 0, f"{counts['panics']}")

    if args.keep:
        with open(os.path.join(workdir, "results.json"), "w") as f:
            json.dump(
                {
                    "phases": phases,
                    "requests": [r._asdict() for r in load.records],
                    "events": events,
                    "subscribers": {s.node.name: {"streams": s.intervals, "received": s.received} for s in subscribers},
                    "pg": {"stopping": pg_stopping, "started": pg_started},
                },
                f,
            )

    print(f"\n== Checks (the run took {elapsed:.0f} s; {load.count} requests in the load)")
    for name, ok, detail in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}{'  (' + detail + ')' if detail else ''}")
    failed = sum(1 for _, ok, _ in checks if not ok)
    print(f"\ncluster: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
