"""Scenario 13: sessions of a domain in refresh mode (Strapi 5's refresh tokens). Refresh
rotations per second over REST; `me` with a session-bound access token against `me` with a
legacy (stateless) token in the same run; then the same figures, and login's, once 1,000,000
sessions are stored."""

import json
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import graphql, wrk
from .report import INFO, INVALID, at_least, information, verdict

DOMAIN = "sessions.test"
CONNECTIONS = 64
SEEDED = 1_000_000
REFRESH_TARGET = 5_000
ME_SHARE = 0.9
REFRESH_SCRIPT = Path(__file__).resolve().parent.parent / "wrk" / "refresh.lua"
SETTINGS = 'mutation { domain { updateDomainSettings(domain: "%s", settings: {jwtManagement: REFRESH, rateLimitMax: 1000000000}) { jwtManagement } } }'
ME = "{ me { id username email role { name } } }"
LOGIN = {"identifier": "roamer", "password": "bench-password"}
# 1,000,000 live sessions (and their refresh tokens) of the domain's users, in one statement
# each for both backends: 32-character ids, far expiries.
SEED_SESSIONS = """\
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count})
INSERT INTO sessions (id, domain_id, user_id, device_id, device_name, client_address, node, created_at,
                      last_used_at, expires_at, absolute_expires_at)
SELECT '00000000000000000000000' || (100000000 + n), u.domain_id, u.id, 'seeded', 'Seeded', '127.0.0.1', 'seed',
       {now}, {now}, {far}, {far}
FROM seq, users u JOIN domains d ON d.id = u.domain_id
WHERE d.name = '{domain}' AND u.username = 'crowd'
"""
SEED_TOKENS = """\
INSERT INTO session_tokens (hash, session_id, user_id, created_at)
SELECT 'seeded' || id, id, user_id, created_at FROM sessions WHERE node = 'seed'
"""


class SessionsError(Exception):
    pass


def rest_post(base, path, body, host):
    request = urllib.request.Request(f"{base}/api{path}", data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise SessionsError(f"POST /api{path} answers HTTP {error.code}: {error.read()[:200]!r}") from None


def run(bench):
    base = urllib.parse.urlunsplit(urllib.parse.urlsplit(bench.user)._replace(path="", query=""))
    graphql.data(bench.admin, SETTINGS % DOMAIN)
    host = {"Host": DOMAIN}
    for name in ("roamer", "crowd"):
        body = {"username": name, "email": f"{name}@{DOMAIN}", "password": LOGIN["password"]}
        rest_post(base, "/auth/local/register", body, DOMAIN)
    session_jwt = rest_post(base, "/auth/local", LOGIN, DOMAIN)["jwt"]

    if bench.backend.name == "postgres":
        # PostgreSQL keeps each statement's plan once it has run a few times. Made on new
        # tables, without statistics or with those of a few rows, those plans walk far more
        # than the row at hand as the load grows the tables, until autovacuum's first pass
        # (within its first minute) has them made again: the first seconds of new tables are
        # shown, and the loads judged after what that pass does.
        cold = rotations(bench, base)
        bench.add(
            13, "`POST /api/auth/refresh`: rotations/s on new tables, before PostgreSQL's first statistics",
            load=cold.params, result=rotation_result(cold), verdict=INVALID if cold.error_note() else INFO,
        )
        settle(bench)
    figures = measure(bench, base, session_jwt, "")
    started = time.perf_counter()
    now = int(time.time() * 1000)
    far = now + 30 * 24 * 3600 * 1000
    bench.backend.execute(SEED_SESSIONS.format(count=SEEDED, now=now, far=far, domain=DOMAIN))
    bench.backend.execute(SEED_TOKENS)
    settle(bench)
    bench.add(13, f"seed {SEEDED:,} sessions with their refresh tokens (SQL)", result=f"{time.perf_counter() - started:.1f} s")
    after = measure(bench, base, session_jwt, f" with {SEEDED:,} sessions stored")
    for name, unit in (("refresh", "rotations/s"), ("session me", "req/s")):
        ratio = after[name] / figures[name] if figures[name] else 0.0
        bench.add(
            13, f"{name} with {SEEDED:,} stored sessions vs none", result=f"{after[name]:,.0f} vs {figures[name]:,.0f} {unit} = {ratio:.2f}",
            target="≥ 0.90", verdict=verdict(ratio >= 0.9),
            summary=at_least(f"{name}, 1M sessions vs none", f"{ratio:.2f}", ratio, 0.9, "≥ 0.90"),
        )
    login = {"query": "mutation { login(input: {identifier: \"roamer\", password: \"bench-password\"}) { jwt refreshToken } }"}
    bench.probe(bench.user, login, host, "login in refresh mode")
    r = bench.load(bench.user, login, 4 * bench.cores, headers=host)
    note = r.error_note()
    bench.add(
        13, f"`login` in refresh mode (starts a session) with {SEEDED:,} sessions stored", load=r.params,
        result=f"{r.rate:,.1f} req/s (p99 {r.p99_ms:.0f} ms)" + (f" — {note}" if note else ""),
        verdict=INVALID if note else INFO, summary=information("login, refresh mode, 1M sessions", f"{r.rate:,.1f} req/s"),
    )


def settle(bench):
    """What autovacuum does to the session tables after many changes (nothing on SQLite)."""
    for table in ("sessions", "session_tokens"):
        bench.backend.after_bulk_load(table)


def rotation_result(r):
    note = r.error_note()
    return f"{r.rate:,.0f} rotations/s (p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms)" + (f" — {note}" if note else "")


def rotations(bench, base):
    """A refresh-rotation load on fresh sessions, one per connection."""
    # One per connection, and one per thread more: wrk builds one request of the first thread
    # before the load to check the script, which takes a token that is never sent.
    tokens = [rest_post(base, "/auth/local", LOGIN, DOMAIN)["refreshToken"] for _ in range(CONNECTIONS + bench.cores)]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as file:
        file.write("\n".join(tokens) + "\n")
    try:
        return wrk.run(
            f"{base}/api/auth/refresh", {}, threads=bench.cores, connections=CONNECTIONS, seconds=bench.seconds,
            headers={"Host": DOMAIN}, script=REFRESH_SCRIPT, extra_env={"BENCH_TOKENS": file.name},
        )
    finally:
        Path(file.name).unlink()


def measure(bench, base, session_jwt, when):
    """Refresh rotations/s, then `me` stateless and session-bound, alternated twice."""
    host = {"Host": DOMAIN}
    r = rotations(bench, base)
    note = r.error_note()
    bench.add(
        13, f"`POST /api/auth/refresh`: rotations/s (SQLite target){when}", load=r.params,
        result=rotation_result(r),
        target=f"≥ {REFRESH_TARGET:,}/s", verdict=verdict(r.rate >= REFRESH_TARGET, note),
        summary=at_least(f"refresh rotations{when}", f"{r.rate:,.0f}/s", r.rate, REFRESH_TARGET, f"≥ {REFRESH_TARGET:,}/s"),
    )
    figures = {"refresh": r.rate}
    body = {"query": ME}
    cases = {"stateless me": ({"Authorization": f"Bearer {bench.token}"}), "session me": dict(host, Authorization=f"Bearer {session_jwt}")}
    rates = {name: [] for name in cases}
    errors = []
    for _ in range(2):
        for name, headers in cases.items():
            bench.probe(bench.user, body, headers, name)
            run = bench.load(bench.user, body, CONNECTIONS, headers, seconds=max(bench.seconds // 2, 3))
            rates[name].append(run.rate)
            if run.error_note():
                errors.append(f"{name}: {run.error_note()}")
    stateless, session = (sum(rates[n]) / len(rates[n]) for n in ("stateless me", "session me"))
    share = session / stateless if stateless else 0.0
    note = "; ".join(errors)
    bench.add(
        13, f"`me` with a session-bound token vs a stateless one{when}", load=f"wrk -c{CONNECTIONS}, alternated twice",
        result=f"{session:,.0f} vs {stateless:,.0f} req/s = {share:.2f}" + (f" — {note}" if note else ""),
        target=f"≥ {ME_SHARE:.2f}", verdict=verdict(share >= ME_SHARE, note),
        summary=at_least(f"session me vs stateless{when}", f"{share:.2f}", share, ME_SHARE, f"≥ {ME_SHARE:.2f}"),
    )
    figures["session me"] = session
    return figures
