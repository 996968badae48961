"""The scenarios of the benchmark, run against one started Gatehouse. Each adds rows to the
table; an API that answers with errors makes its rows "not available" instead of a crash."""

import base64
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request

from . import cpu, graphql, sse, wrk
from .backends import seed_events_sql, seed_users_sql
from .ceiling import Ceiling, CeilingError
from .report import FAIL, INFO, INVALID, PASS, UNAVAILABLE, Row, at_least, at_most, information, verdict
from .slow import SlowClients

PASSWORD = "bench-password"
BIG_DOMAIN = "million.test"
BIG_COUNT = 1_000_000
ME = "{ me { id username email role { name } } }"
# The hot-path request compared with the reference ceiling (bench/ceiling), which answers it
# without GraphQL or storage; the target is a share of the ceiling's rate.
ME_SHORT = "{ me { id username } }"
# The same fields with a directive: never a kept answer (see the user API's `answers`), so
# async-graphql executes it on every request.
ME_SHORT_EXECUTED = "{ me { id username @include(if: true) } }"
CEILING_SHARE = 0.75
# Scenario 10: the REST read of the signed-in user against the GraphQL query of the same fields.
ME_REST_FIELDS = "{ me { id documentId username email confirmed blocked } }"
LOGIN = "mutation Login($identifier: String!, $password: String!) { login(input: {identifier: $identifier, password: $password}) { jwt } }"
REGISTER = "mutation { register(input: {username: \"%s\", email: \"%s@bench.test\", password: \"%s\"}) { jwt } }"
RAISE_RATE_LIMIT = 'mutation { domain { updateDomainSettings(domain: "%s", settings: {rateLimitMax: 1000000000}) { rateLimitMax } } }'
COUNT_USERS = '{ account { countUsers(domain: "%s") } }' % BIG_DOMAIN
LIST_USERS = '{ account { listUsers(domain: "%s", limit: 50%s) } }'
LIST_USERS_PAGE = '{ account { listUsersPage(domain: "%s", limit: 50%s) { users nextCursor } } }'
LIST_EVENTS = '{ audit { listEvents(domain: "%s", limit: 50%s) { id type at user } } }'
LIST_EVENTS_PAGE = '{ audit { listEventsPage(domain: "%s", limit: 50%s) { events { id type at user } nextCursor } } }'
USER_API_PAGE = "{ usersPermissionsUsers(pagination: {start: %d, limit: 50}) { documentId username } }"
# The user API's listing is opened to the big domain's public role for scenario 4, beside
# the actions it has (login among them).
PUBLIC_ROLE = '{ role { getRole(domain: "%s", role: "public") { permissions } } }'
SET_PUBLIC_ACTIONS = 'mutation($a: [String!]!) { role { setRolePermissions(domain: "%s", role: "public", actions: $a) { type } } }'
USER_FIND = "plugin::users-permissions.user.find"
BIG_EVENTS = 1_000_000
# Scenario 4's pages of 50: where each starts.
S4_POSITIONS = [("first", 0), ("middle", BIG_COUNT // 2), ("last", BIG_COUNT - 50)]
# Scenario 4's latency target: the median of one request at a time, at any depth.
S4_TARGET_MS = 5
SUBSCRIBE = "subscription { audit { subscribeForEvents(limit: 1) { id type at } } }"
# Scenario 8: streams without a limit, open until the client drops them.
SUBSCRIBE_OPEN = "subscription { audit { subscribeForEvents { type } } }"
# Scenario 8's event: a settings change that keeps the login rate limit out of the way (the
# value differs at each burst, so each records an event), no password hashing involved.
CHANGE_RATE_LIMIT = 'mutation { domain { updateDomainSettings(domain: "localhost", settings: {rateLimitMax: %d}) { rateLimitMax } } }'
BURSTS, BURST_STREAMS, BURST_MARGIN_MIB = 8, 2000, 30
# Scenario 12: many idle subscribers, one event to all of them, `me` served meanwhile.
SSE_MANY, SSE_MANY_P99_MS, SSE_MANY_KIB, SSE_MANY_ME_P99 = 10_000, 50, 20, 2.0
# Scenario 12's client reads the streams of a quiet delivery this long after the trigger (and
# those of a delivery beside a load, after the load): on the server's 2 cores, its parsing of
# 10,000 streams would take the CPU the server delivers with. The kernel's receive times keep
# the figures exact.
SSE_MANY_READ_AFTER_S = 1.0
# Scenario 11: slow connections held on the user listener while the `me` load runs.
SLOW_CLIENTS, SLOW_SHARE = 5000, 0.8
# Logins per second as a share of the raw Argon2id rate: the mean of the rates measured just
# before and just after them, so that a machine that slows or speeds up meanwhile (another
# guest on the host) weighs on both sides alike.
LOGIN_SHARE = 0.9


class NotAvailable(Exception):
    """The API a scenario needs is missing or answers with errors."""


class PageMismatch(Exception):
    """A page asked with a cursor is not the same page asked by offset."""


def cursor(listing, domain, key):
    """A cursor as Gatehouse makes them (`crates/api/src/admin/cursor.rs`): URL-safe base64 of
    `listing:domain:key`, unpadded."""
    return base64.urlsafe_b64encode(f"{listing}:{domain}:{key}".encode()).decode().rstrip("=")


def login_body(identifier):
    return {"query": LOGIN, "variables": {"identifier": identifier, "password": PASSWORD}}


class Bench:
    """One backend's run: the server, its storage and the rows measured so far."""

    def __init__(self, server, backend, seconds, cores, argon2_rate_binary, ceiling_binary):
        self.server, self.backend = server, backend
        self.seconds, self.cores = seconds, cores
        self.argon2_rate_binary = argon2_rate_binary
        self.ceiling_binary = ceiling_binary
        self.rows = []
        self.token = None
        self.ceiling = None
        self.rate_limit_note = ""
        self.big_seeded = False

    # -- helpers -------------------------------------------------------------------------------

    @property
    def user(self):
        return self.server.urls["user"]

    @property
    def admin(self):
        if "admin" not in self.server.urls:
            raise NotAvailable("no admin listener in this build")
        return self.server.urls["admin"]

    def add(self, scenario, measure, **fields):
        """Adds a row; the server's resident memory is read right after the measurement."""
        rss = self.server.rss_mib() if self.server.alive() else None
        self.rows.append(Row(self.backend.name, str(scenario), measure, rss_mib=rss, **fields))

    def unavailable(self, scenario, measure, reason):
        self.add(scenario, measure, result=f"not available: {reason}", verdict=UNAVAILABLE)

    def probe(self, url, body, headers=None, what="API"):
        """One request of the exact load body: the load runs only if its answer is data."""
        try:
            return graphql.data(url, body["query"], body.get("variables"), headers)
        except (OSError, graphql.GraphQLError) as error:
            raise NotAvailable(f"{what} answers {error}") from None

    def load(self, url, body, connections, headers=None, nonce=None, seconds=None, label=""):
        return wrk.run(
            url, body, threads=self.cores, connections=connections, seconds=seconds or self.seconds,
            headers=headers, nonce=nonce, label=label,
        )

    def register(self, username, domain=None):
        headers = {"Host": domain} if domain else None
        query = REGISTER % (username, username, PASSWORD)
        try:
            return graphql.data(self.user, query, headers=headers)["register"]["jwt"]
        except (OSError, graphql.GraphQLError) as error:
            raise NotAvailable(f"register answers {error}") from None

    def raw_argon2_rate(self, scenario, when):
        """The machine's raw Argon2id verification rate (server idle), measured right before
        and right after each login load that is compared with it, so that both see the same
        machine."""
        out = subprocess.run(
            [str(self.argon2_rate_binary), str(self.seconds), str(self.cores)],
            capture_output=True, text=True, check=True,
        ).stdout
        rate = float(re.search(r"rate=([\d.]+)/s", out).group(1))
        self.add(
            scenario, f"raw Argon2id verification rate, {when} the logins (no server involved)",
            load=f"crates/core/examples/argon2_rate, {self.cores} threads, {self.seconds}s",
            result=f"{rate:,.1f} verifications/s",
        )
        return rate

    def jwt_secret(self):
        """The secret Gatehouse generated on its first start and keeps in the database (no
        `[jwt] secret` in the harness's config): the ceiling verifies tokens with it."""
        secret = self.backend.scalar("SELECT value FROM meta WHERE key = 'jwt_secret'")
        if not secret:
            raise NotAvailable("no JWT secret in the database's meta table")
        return secret

    def reference_ceiling(self):
        """The reference ceiling (bench/ceiling), to start with `with`: Gatehouse's JWT secret, and
        the user endpoint's path, so that its URLs differ from Gatehouse's by the port only."""
        return Ceiling(self.ceiling_binary, self.jwt_secret(), urllib.parse.urlsplit(self.user).path)

    def ceiling_rate(self, body, headers):
        """The reference ceiling (bench/ceiling) under the `me` load's wrk settings: measured
        once per run, Gatehouse idle meanwhile; its row has no target and no RSS (not Gatehouse)."""
        if self.ceiling is None:
            try:
                with self.reference_ceiling() as ceiling:
                    self.probe(ceiling.url, body, headers, "the ceiling")
                    r = self.load(ceiling.url, body, 64, headers)
            except CeilingError as error:
                raise NotAvailable(str(error)) from None
            note = r.error_note()
            self.rows.append(
                Row(
                    self.backend.name, "1", "reference ceiling: bare axum, same body and HS256 check (bench/ceiling)",
                    load=r.params,
                    result=f"{r.rate:,.0f} req/s (p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms)" + _note(note),
                    verdict=info(note),
                )
            )
            self.ceiling = r
        return self.ceiling

    # -- setup ---------------------------------------------------------------------------------

    def setup(self):
        """The user every scenario logs in as, and login rate limits out of the way."""
        self.token = self.register("bench")
        reasons = []
        for domain in ("localhost", BIG_DOMAIN):
            try:
                graphql.data(self.admin, RAISE_RATE_LIMIT % domain)
            except (NotAvailable, OSError, graphql.GraphQLError) as error:
                if str(error) not in reasons:
                    reasons.append(str(error))
        if reasons:
            # Runs go on: if the server does throttle, the throttled answers are errors and the
            # run is marked invalid.
            self.rate_limit_note = "(login rate limit not raised: " + "; ".join(reasons) + ")"

    # -- scenarios -----------------------------------------------------------------------------

    def s1_me(self):
        body, headers = {"query": ME}, {"Authorization": f"Bearer {self.token}"}
        self.probe(self.user, body, headers, "me")
        r = self.load(self.user, body, 64, headers)
        note = r.error_note()
        self.add(
            1, "`me` with a valid token: throughput", load=r.params,
            result=f"{r.rate:,.0f} req/s (p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms)" + _note(note),
            target="≥ 10,000 req/s", verdict=verdict(r.rate >= 10_000, note),
            summary=at_least("me (full query)", f"{r.rate:,.0f} req/s", r.rate, 10_000, "≥ 10,000 req/s"),
        )
        self.me_vs_ceiling(headers)

    def me_vs_ceiling(self, headers):
        """`{ me { id username } }` (a kept answer) right after the ceiling, same body, token and
        wrk settings; then the same fields executed on every request, for information."""
        measure = f"`{ME_SHORT}`: throughput vs the reference ceiling"
        body = {"query": ME_SHORT}
        try:
            self.probe(self.user, body, headers, "me")
            ceiling = self.ceiling_rate(body, headers)
        except NotAvailable as error:
            self.unavailable(1, measure, str(error))
            return
        r = self.load(self.user, body, 64, headers)
        note = r.error_note() or (ceiling.error_note() and f"ceiling: {ceiling.error_note()}")
        share, figure = of_ceiling(r, ceiling)
        self.add(
            1, measure, load=r.params,
            result=f"{figure} {ceiling.rate:,.0f} req/s (p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms)" + _note(note),
            target=f"≥ {CEILING_SHARE:.2f} of ceiling", verdict=verdict(share >= CEILING_SHARE, note),
            summary=at_least("me", figure, share, CEILING_SHARE, f"≥ {CEILING_SHARE:.2f}"),
        )
        body = {"query": ME_SHORT_EXECUTED}
        self.probe(self.user, body, headers, "me")
        r = self.load(self.user, body, 64, headers)
        note = r.error_note()
        share, figure = of_ceiling(r, ceiling)
        self.add(
            1, "the same fields executed every time (with a directive, which is never kept) vs the ceiling",
            load=r.params,
            result=f"{figure} {ceiling.rate:,.0f} req/s (p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms)" + _note(note),
            target="(none)", verdict=info(note), summary=information("me executed", figure),
        )

    def s10_rest_me(self):
        """`GET /api/users/me` right after the GraphQL `me` of the fields it answers, same token
        and wrk settings, as a share of the reference ceiling like every hot-path figure (the
        GraphQL query is answered from its kept answer, so the two now meet at the ceiling and
        their ratio to each other is within the runs' spread; it is shown beside)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        body = {"query": ME_REST_FIELDS}
        origin = urllib.parse.urlsplit(self.user)
        rest_url = f"{origin.scheme}://{origin.netloc}/api/users/me"  # the default REST prefix
        self.probe(self.user, body, headers, "me")
        try:
            status = urllib.request.urlopen(urllib.request.Request(rest_url, headers=headers), timeout=10).status
        except OSError as error:
            raise NotAvailable(f"GET /api/users/me answers {error}") from None
        if status != 200:
            raise NotAvailable(f"GET /api/users/me answers HTTP {status}")
        ceiling = self.ceiling_rate({"query": ME_SHORT}, headers)
        graphql_run = self.load(self.user, body, 64, headers)
        rest_run = self.load(rest_url, None, 64, headers, label="GET")
        note = (
            rest_run.error_note()
            or (graphql_run.error_note() and f"GraphQL: {graphql_run.error_note()}")
            or (ceiling.error_note() and f"ceiling: {ceiling.error_note()}")
        )
        share, figure = of_ceiling(rest_run, ceiling)
        beside = rest_run.rate / graphql_run.rate if graphql_run.rate else 0.0
        self.add(
            10, "REST `GET /api/users/me` vs the reference ceiling, and vs GraphQL `me` of the same fields: throughput",
            load=rest_run.params,
            result=f"{figure} {ceiling.rate:,.0f} req/s; {beside:.2f} of GraphQL `me` {graphql_run.rate:,.0f} req/s "
            f"(p50 {rest_run.p50_ms:.2f} ms, p99 {rest_run.p99_ms:.2f} ms)" + _note(note),
            target=f"≥ {CEILING_SHARE:.2f} of ceiling", verdict=verdict(share >= CEILING_SHARE, note),
            summary=at_least("REST me", figure, share, CEILING_SHARE, f"≥ {CEILING_SHARE:.2f}"),
        )

    def s11_slow_clients(self):
        """`me` under load with and without 5,000 connections that sent half a request head
        and nothing more: the load must be served, and the server must close them itself when
        its header timeout (10 s by default) has passed."""
        measure = f"`me` throughput while {SLOW_CLIENTS:,} slow connections are held, vs without them"
        headers = {"Authorization": f"Bearer {self.token}"}
        body = {"query": ME_SHORT}
        self.probe(self.user, body, headers, "me")
        seconds = min(self.seconds, 8)  # the whole load within the header timeout
        alone = self.load(self.user, body, 64, headers, seconds=seconds)
        slow = SlowClients(self.user, SLOW_CLIENTS)
        try:
            held = slow.open()
            beside = self.load(self.user, body, 64, headers, seconds=seconds, label=f"+ {held:,} slow connections")
            health, _ = graphql.post(self.user, "{ __typename }", timeout=5)  # a new client
            closed_after = slow.wait_closed(30)
        finally:
            slow.close()
        note = beside.error_note() or (alone.error_note() and f"alone: {alone.error_note()}")
        if held < SLOW_CLIENTS:
            note = note or f"only {held:,} of {SLOW_CLIENTS:,} slow connections could be opened"
        ratio = beside.rate / alone.rate if alone.rate else 0.0
        closed = "not all closed by the server within 30 s" if closed_after is None else f"all closed by the server {closed_after:.1f} s after the load"
        figure = f"{beside.rate:,.0f} req/s = {ratio:.2f} of {alone.rate:,.0f} req/s without them"
        self.add(
            11, measure, load=beside.params,
            result=f"{figure} (p99 {beside.p99_ms:.2f} ms vs {alone.p99_ms:.2f} ms); a new client's request: HTTP {health}; {closed}" + _note(note),
            target=f"≥ {SLOW_SHARE:.2f} of the rate without them; all closed",
            verdict=verdict(ratio >= SLOW_SHARE and closed_after is not None and health == 200, note),
            summary=at_least("me beside slow clients", figure, ratio, SLOW_SHARE, f"≥ {SLOW_SHARE:.2f}"),
        )

    def s2_login(self):
        body = login_body("bench")
        self.probe(self.user, body, what="login")
        self._login_vs_raw(2, "`login`: throughput vs the raw Argon2id rate", body, None, "login")

    def _login_vs_raw(self, scenario, measure, body, headers, name):
        before = self.raw_argon2_rate(scenario, "before")
        postgres = self.backend.name == "postgres"
        cpu_before = cpu.sample(self.server.process.pid, postgres)
        r = self.load(self.user, body, 4 * self.cores, headers=headers, label=self.rate_limit_note)
        spent = cpu.sample(self.server.process.pid, postgres) - cpu_before
        raw = (before + self.raw_argon2_rate(scenario, "after")) / 2
        note = r.error_note()
        ratio = r.rate / raw if raw else 0.0
        self.add(
            scenario, measure, load=r.params,
            result=f"{r.rate:,.1f} req/s = {ratio:.0%} of raw {raw:,.1f}/s, the mean of the two (p99 {r.p99_ms:.0f} ms); "
            + cpu_per_login(spent, r, raw, self.cores, postgres) + _note(note),
            target=f"≥ {LOGIN_SHARE:.0%} of raw", verdict=verdict(ratio >= LOGIN_SHARE, note),
            summary=at_least(name, f"{r.rate:,.1f} req/s = {ratio:.2f} of raw Argon2id", ratio, LOGIN_SHARE, f"≥ {LOGIN_SHARE:.2f}"),
        )

    def s3_register(self):
        self.register("probe3")
        username = "r{{n}}"
        body = {"query": REGISTER % (username, username, PASSWORD)}
        r = self.load(self.user, body, 4 * self.cores, nonce=str(int(time.time())))
        note = r.error_note()
        self.add(
            3, "`register`: throughput", load=r.params,
            result=f"{r.rate:,.1f} req/s (p50 {r.p50_ms:.0f} ms, p99 {r.p99_ms:.0f} ms)" + _note(note),
            target="(none)", verdict=info(note), summary=information("register", f"{r.rate:,.1f} req/s"),
        )

    def s9_forgot_password_timing(self, rounds=200):
        """forgotPassword for a known and an unknown address, interleaved: their medians should
        not tell one from the other."""
        query = "mutation($e: String!) { forgotPassword(email: $e) { ok } }"
        times = {"known": [], "unknown": []}
        for i in range(rounds):
            for kind, email in (("known", "bench@bench.test"), ("unknown", f"nobody{i}@bench.test")):
                started = time.perf_counter()
                status, answer = graphql.post(self.user, query, {"e": email})
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200 or not answer or answer.get("errors"):
                    raise NotAvailable(f"forgotPassword answers {graphql.describe(status, answer)}")
                times[kind].append(elapsed)
        known, unknown = (sorted(times[k])[rounds // 2] for k in ("known", "unknown"))
        ratio = known / unknown if unknown else 0.0
        self.add(
            9, "`forgotPassword`: median time, known vs unknown address", load=f"{rounds} of each, one at a time, interleaved",
            result=f"known {known:.2f} ms, unknown {unknown:.2f} ms: ratio {ratio:.2f}",
            target="ratio ≤ 1.2", verdict=verdict(ratio <= 1.2),
            summary=at_most("forgot-password timing", f"known/unknown median {ratio:.2f}", ratio, 1.2, "≤ 1.20"),
        )

    def s4_million(self):
        self.seed_big_domain()
        admin_error = None
        try:
            admin = self.admin
            self.probe(admin, {"query": COUNT_USERS}, what="admin countUsers")
            actions = self.probe(admin, {"query": PUBLIC_ROLE % BIG_DOMAIN}, what="admin getRole")
            actions = sorted(set(actions["role"]["getRole"]["permissions"]) | {USER_FIND})
            body = {"query": SET_PUBLIC_ACTIONS % BIG_DOMAIN, "variables": {"a": actions}}
            self.probe(admin, body, what="admin setRolePermissions")
        except NotAvailable as error:
            admin_error = str(error)
        for case in [] if admin_error else self.s4_cases(admin):
            measure, url, body, headers, check = case
            try:
                self.probe(url, body, headers, what=measure)
                if check:
                    check()
            except NotAvailable as error:
                self.unavailable(4, measure, str(error))
                continue
            except PageMismatch as error:
                self.add(4, measure, result=f"invalid: {error}", verdict=INVALID)
                continue
            r = wrk.run(url, body, threads=1, connections=1, seconds=self.seconds, headers=headers)
            note = r.error_note()
            self.add(
                4, f"{measure} on 1M: latency", load=r.params,
                result=f"median {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms ({r.rate:,.0f} req/s)" + _note(note),
                target=f"median ≤ {S4_TARGET_MS} ms", verdict=verdict(r.p50_ms <= S4_TARGET_MS, note),
                summary=at_most(measure, f"median {r.p50_ms:.2f} ms", r.p50_ms, S4_TARGET_MS, f"≤ {S4_TARGET_MS} ms"),
            )
        if admin_error:
            self.unavailable(4, "admin listings and counts on 1M", admin_error)
        body, host = login_body("user500000"), {"Host": BIG_DOMAIN}
        self.probe(self.user, body, host, "login on the 1M-user domain")
        self._login_vs_raw(4, "`login` on the 1M-user domain vs the raw Argon2id rate", body, host, "login on 1M users")

    def s4_cases(self, admin):
        """(measure, url, body, headers, check) of each latency row: the first, middle and last
        page of 50 of each listing. A cursor is made from the item just before its page, read
        from the database while seeding (the harness knows the cursor's format, which clients
        must not rely on); `check` compares its page with the same page asked by offset."""
        cases = [("admin `countUsers`", admin, {"query": COUNT_USERS}, None, None)]
        positions = S4_POSITIONS
        for where, index in positions:
            query = LIST_USERS % (BIG_DOMAIN, f", index: {index}")
            cases.append((f"admin `listUsers(limit: 50, index: {index})` ({where} page)", admin, {"query": query}, None, None))
        for where, index in positions:
            after = self.users_cursor(index)
            query = LIST_USERS_PAGE % (BIG_DOMAIN, f', after: "{after}"' if after else "")
            by_index = LIST_USERS % (BIG_DOMAIN, f", index: {index}")
            check = self.same_page(admin, query, by_index, lambda d: d["account"]["listUsersPage"]["users"],
                                   lambda d: d["account"]["listUsers"])
            cases.append((f"admin `listUsersPage(limit: 50)` ({where} page, cursor)", admin, {"query": query}, None, check))
        host = {"Host": BIG_DOMAIN}
        for where, index in positions:
            query = USER_API_PAGE % index
            cases.append((f"user API `usersPermissionsUsers(pagination: {{start: {index}, limit: 50}})` ({where} page)",
                          self.user, {"query": query}, host, None))
        for where, index in positions:
            before = self.event_before(index)
            query = LIST_EVENTS_PAGE % (BIG_DOMAIN, f', after: "{cursor("events", BIG_DOMAIN, before)}"' if before else "")
            by_id = LIST_EVENTS % (BIG_DOMAIN, f", before: {before}" if before else "")
            check = self.same_page(admin, query, by_id, lambda d: d["audit"]["listEventsPage"]["events"],
                                   lambda d: d["audit"]["listEvents"])
            cases.append((f"admin `listEventsPage(limit: 50)` ({where} page of {BIG_EVENTS:,} events, cursor)",
                          admin, {"query": query}, None, check))
        return cases

    def users_cursor(self, index):
        """The cursor of a page of the big domain's users that starts at `index` (none for 0)."""
        return cursor("users", BIG_DOMAIN, self.username_before[index]) if index else None

    def event_before(self, index):
        """The id of the event just before position `index` of the big domain's events, newest
        first, when they were seeded (none for 0)."""
        return self.event_id_before[index] if index else None

    @staticmethod
    def same_page(url, query, reference, items, reference_items):
        def check():
            page = items(graphql.data(url, query))
            expected = reference_items(graphql.data(url, reference))
            if page != expected or len(page) != 50:
                raise PageMismatch(f"the cursor's page ({len(page)} items) is not the page by offset")
        return check

    def seed_big_domain(self):
        """1,000,000 users and 1,000,000 events straight into the database: one user registered
        through the API ('seed'), then, with the server stopped, one SQL statement that makes the
        other users as copies of its hash and role, and one that makes the events; the server
        then starts again on the same database (new ports) and its event relay starts past them."""
        if self.big_seeded:
            return
        self.register("seed", BIG_DOMAIN)
        self.server.stop()
        started = time.perf_counter()
        self.backend.execute(seed_users_sql(BIG_DOMAIN, BIG_COUNT))
        self.backend.after_bulk_load("users")
        users_seconds = time.perf_counter() - started
        started = time.perf_counter()
        self.backend.execute(seed_events_sql(BIG_DOMAIN, BIG_EVENTS))
        self.backend.after_bulk_load("events")
        events_seconds = time.perf_counter() - started
        count = int(
            self.backend.scalar(
                f"SELECT COUNT(*) FROM users u JOIN domains d ON d.id = u.domain_id WHERE d.name = '{BIG_DOMAIN}'"
            )
        )
        if count != BIG_COUNT:
            raise RuntimeError(f"seeding made {count} users, not {BIG_COUNT}")
        # Read while the server is stopped: a second process's SQLite connection that closes
        # while the server has the file open may take the WAL away from under it.
        positions = [index for _, index in S4_POSITIONS if index > 0]
        self.username_before = {index: self.backend.scalar(
            f"SELECT username FROM users u JOIN domains d ON d.id = u.domain_id WHERE d.name = '{BIG_DOMAIN}' "
            f"ORDER BY username LIMIT 1 OFFSET {index - 1}"
        ) for index in positions}
        self.event_id_before = {index: int(self.backend.scalar(
            f"SELECT id FROM events WHERE domain = '{BIG_DOMAIN}' ORDER BY id DESC LIMIT 1 OFFSET {index - 1}"
        )) for index in positions}
        self.server.start()  # on new ports
        self.big_seeded = True
        self.add(4, f"seed {BIG_COUNT:,} users of {BIG_DOMAIN} (one SQL statement)", result=f"{users_seconds:.1f} s")
        self.add(4, f"seed {BIG_EVENTS:,} events of {BIG_DOMAIN} (one SQL statement)", result=f"{events_seconds:.1f} s")

    def s5_me_under_login_storm(self):
        me, headers = {"query": ME}, {"Authorization": f"Bearer {self.token}"}
        self.probe(self.user, me, headers, "me")
        self.probe(self.user, login_body("bench"), what="login")
        # Idle before and after the storm; the lower p99 of the two is the denominator, so that a
        # run disturbed by the host (a p99 is one spike away from 10 ms on a shared machine)
        # makes the ratio worse, never better.
        alone = [self._me_alone(me, headers, "before")]
        storm = wrk.Run(
            self.user, login_body("bench"), threads=self.cores, connections=16, seconds=self.seconds + 2,
            label=f"login storm {self.rate_limit_note}".strip(),
        )
        time.sleep(1)
        during = self.load(self.user, me, 4, headers)
        storm = storm.result()
        alone.append(self._me_alone(me, headers, "after"))
        idle_p99 = min(r.p99_ms for r in alone)
        note = during.error_note() or storm.error_note()
        alone_note = next((r.error_note() for r in alone if r.error_note()), "")
        ratio = during.p99_ms / idle_p99 if idle_p99 else float("inf")
        self.add(
            5, "`me` latency during a login storm", load=f"{during.params}, beside {storm.params}",
            result=f"p50 {during.p50_ms:.2f} ms, p99 {during.p99_ms:.2f} ms = {ratio:.1f}× idle p99 "
            f"({idle_p99:.2f} ms, the lower of before and after); storm: {storm.rate:,.1f} logins/s" + _note(note),
            target="p99 ≤ 3× idle p99", verdict=verdict(ratio <= 3, note or alone_note),
            summary=at_most("me during a login storm", f"p99 {ratio:.1f}× idle", ratio, 3, "≤ 3× idle"),
        )

    def _me_alone(self, me, headers, when):
        alone = self.load(self.user, me, 4, headers)
        note = alone.error_note()
        self.add(
            5, f"`me` latency alone, {when} the storm", load=alone.params,
            result=f"p50 {alone.p50_ms:.2f} ms, p99 {alone.p99_ms:.2f} ms ({alone.rate:,.0f} req/s)" + _note(note),
            verdict=info(note),
        )
        return alone

    def s6_sse(self, count=1000):
        admin = self.admin

        def trigger():
            # A failed login: an audit event (LOGIN_FAILED) every subscriber receives.
            graphql.post(self.user, LOGIN, {"identifier": "bench", "password": "wrong-password"})

        try:
            measurement = sse.measure(admin, SUBSCRIBE, count, trigger)
        except sse.StreamRefused as error:
            raise NotAvailable(f"SSE answers {error}") from None
        s = sse.summarize(measurement, ("audit", "subscribeForEvents"))
        complete = s["received"] == s["expected"]
        missing = "" if complete else f"only {s['received']} of {s['expected']} subscribers got the event"
        load = f"{count} SSE streams (opened in {s['open_seconds']:.1f} s), 1 failed login"
        if "from_event_last_ms" in s:
            result = f"last {s['from_event_last_ms']:.1f} ms, median {s['from_event_p50_ms']:.1f} ms after the event's `at`"
            last = s["from_event_last_ms"]
        else:
            result = "event has no usable `at`; timed from the trigger"
            last = s.get("from_trigger_last_ms", float("inf"))
        if "from_trigger_last_ms" in s:
            result += f"; {s['from_trigger_last_ms']:.1f} ms after the trigger was sent (includes its Argon2id check)"
        self.add(
            6, f"SSE: one event to {count} subscribers, delivery time", load=load,
            result=result + _note(missing), target="last ≤ 100 ms",
            verdict=FAIL if not complete else (PASS if last <= 100 else FAIL),
            summary=at_most(
                f"SSE to {count} subscribers", f"last {last:.1f} ms" + ("" if complete else f" ({missing})"),
                last, 100, "≤ 100 ms",
            ),
        )

    def s12_sse_many(self, count=SSE_MANY):
        """10,000 subscribers on the admin endpoint's `/sse`: resident memory per idle stream,
        then one event (a failed login) in the middle of a `me` load: its delivery to every
        subscriber, timed by the kernel's receive time, and `me`'s p99 against its idle p99.
        Then the same delivery by the reference ceiling (bench/ceiling), same client, same load."""
        admin = self.admin
        headers = {"Authorization": f"Bearer {self.token}"}
        body = {"query": ME_SHORT}
        self.probe(self.user, body, headers, "me")
        seconds = max(4, min(self.seconds, 8))
        idle = self.load(self.user, body, 4, headers, seconds=seconds)

        def failed_login():
            graphql.post(self.user, LOGIN, {"identifier": "bench", "password": "wrong-password"})

        try:
            delivery = self._one_event_to_many(admin, count, failed_login, self.user, body, headers, seconds, rss=True)
        except sse.StreamRefused as error:
            raise NotAvailable(f"SSE answers {error}") from None
        delays, lags, open_seconds, busy, (rss_before, rss_after) = delivery
        load = f"{count:,} SSE streams (opened in {open_seconds:.1f} s), 1 failed login during a `me` load"
        if not delays:
            self.add(12, f"SSE: one event to {count:,} subscribers", load=load, result="no subscriber got the event", verdict=FAIL)
            return
        p99 = percentile_99(delays)
        ceiling, ceiling_me = self.ceiling_delivery(count, body, headers, seconds)
        versus = f"; {p99 / ceiling:.2f}× the ceiling's p99 ({ceiling:.1f} ms)" if ceiling else ""
        complete = len(delays) == count
        missing = "" if complete else f"only {len(delays):,} of {count:,} subscribers got the event"
        self.add(
            12, f"SSE: one event to {count:,} subscribers, delivery time (kernel receive time − event's `at`)", load=load,
            result=f"p99 {p99:.1f} ms, median {delays[len(delays) // 2]:.1f} ms, last {delays[-1]:.1f} ms{versus}; "
            f"client read after the load, {lags[len(lags) // 2]:.0f} ms after arrival (median)" + _note(missing),
            target=f"p99 ≤ {SSE_MANY_P99_MS} ms", verdict=verdict(complete and p99 <= SSE_MANY_P99_MS),
            summary=at_most(f"SSE to {count:,}", f"p99 {p99:.1f} ms" + versus + _note(missing), p99, SSE_MANY_P99_MS, f"≤ {SSE_MANY_P99_MS} ms"),
        )
        per_stream = (rss_after - rss_before) * 1024 / count
        self.add(
            12, f"SSE: resident memory per idle subscriber ({count:,} open)", load=load,
            result=f"{per_stream:.1f} KiB ({rss_before:.1f} → {rss_after:.1f} MiB)",
            target=f"≤ {SSE_MANY_KIB} KiB", verdict=verdict(per_stream <= SSE_MANY_KIB),
            summary=at_most("memory per SSE subscriber", f"{per_stream:.1f} KiB", per_stream, SSE_MANY_KIB, f"≤ {SSE_MANY_KIB} KiB"),
        )
        try:
            self.quiet_delivery_row("Gatehouse", admin, count, failed_login, self.server.process.pid)
        except sse.StreamRefused as error:
            self.rows.append(Row(self.backend.name, "12", "Gatehouse: one event with nothing else running", result=f"not measured: {error}", verdict=INFO))
        ratio, note = p99_against_idle(busy, idle)
        beside = f"; the ceiling's, beside its own delivery: {ceiling_me:.2f}×" if ceiling_me else ""
        self.add(
            12, f"`me` p99 while {count:,} subscribers are open and the event is delivered, vs idle", load=busy.params,
            result=f"p99 {busy.p99_ms:.2f} ms vs {idle.p99_ms:.2f} ms idle: {ratio:.2f}× ({busy.rate:,.0f} vs {idle.rate:,.0f} req/s){beside}" + _note(note),
            target=f"≤ {SSE_MANY_ME_P99:.0f}× idle p99", verdict=verdict(ratio <= SSE_MANY_ME_P99, note),
            summary=at_most("me p99 beside SSE subscribers", f"{ratio:.2f}× idle" + (f" (the ceiling: {ceiling_me:.2f}×)" if ceiling_me else ""), ratio, SSE_MANY_ME_P99, f"≤ {SSE_MANY_ME_P99:.0f}×"),
        )

    def _one_event_to_many(self, stream_url, count, trigger, load_url, body, headers, seconds, rss=False):
        """Opens `count` streams on `stream_url`, starts a `me` load (wrk -c4) on `load_url`,
        `trigger()`s one event in its middle, and reads the streams after the load. Returns the
        delays (kernel receive time − the event's `at`, ms, sorted), the client's lags (ms,
        sorted), the seconds taken to open the streams, the load's result, and (with `rss`)
        Gatehouse's RSS before and after the streams opened."""
        before = self.server.rss_mib() if rss else None
        opened = time.perf_counter()
        with sse.open_streams(stream_url, SUBSCRIBE, count) as subscribers:
            open_seconds = time.perf_counter() - opened
            time.sleep(2)
            memory = (before, self.server.rss_mib()) if rss else None
            during = wrk.Run(load_url, body, threads=self.cores, connections=4, seconds=seconds, headers=headers)
            time.sleep(seconds / 2)
            trigger()
            busy = during.result()
            arrivals = sse.first_events_stamped(subscribers, time.perf_counter() + 30)
        delays, lags = _delays(arrivals)
        return delays, lags, open_seconds, busy, memory

    def _quiet_delivery(self, stream_url, count, trigger, pid):
        """Opens `count` fresh streams on `stream_url` and `trigger()`s one event with nothing
        else running. Returns its delays (ms, sorted) and the CPU the process at `pid` spent
        meanwhile, its password-hashing threads left out (a failed login's hash)."""
        with sse.open_streams(stream_url, SUBSCRIBE, count) as subscribers:
            time.sleep(1)
            before = cpu.split(pid)
            trigger()
            time.sleep(SSE_MANY_READ_AFTER_S)
            spent = cpu.split(pid) - before
            arrivals = sse.first_events_stamped(subscribers, time.perf_counter() + 30)
        return _delays(arrivals)[0], spent

    def quiet_delivery_row(self, who, stream_url, count, trigger, pid):
        """Scenario 12's delivery with no `me` load: where its time goes. Each stream costs one
        write, and the kernel's part of it (TCP over loopback, the client's receiving side
        included) is what no server can take away; the row has no target."""
        delays, spent = self._quiet_delivery(stream_url, count, trigger, pid)
        if len(delays) < count:
            result = f"only {len(delays):,} of {count:,} streams got the event"
        elif spent.total <= 0:
            result = "no CPU time seen"
        else:
            result = (
                f"p99 {percentile_99(delays):.1f} ms; CPU {spent.total / count * 1e6:.1f} µs per subscriber "
                f"({spent.total * 1000:.0f} ms in all, /proc's 10 ms ticks), {spent.system / spent.total:.0%} of it in the kernel"
            )
        self.rows.append(
            Row(self.backend.name, "12", f"{who}: one event to {count:,} subscribers with nothing else running, and its CPU",
                load=f"{count:,} streams, 1 event, no `me` load", result=result, verdict=INFO)
        )

    def ceiling_delivery(self, count, body, headers, seconds):
        """Scenario 12's delivery by the reference ceiling (bench/ceiling: bare axum, one
        broadcast, each stream's framing around the shared bytes), with the same client and the
        same `me` load on the ceiling (first alone, then beside the streams), Gatehouse idle
        meanwhile. Its row has no target; returns its delivery p99 in ms and its `me` p99
        during the delivery as a multiple of its idle p99, or Nones when they could not be
        measured."""
        try:
            with self.reference_ceiling() as ceiling:

                def fire():
                    request = urllib.request.Request(ceiling.url + "/event", data=b"", method="POST")
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        answer.read()

                idle = self.load(ceiling.url, body, 4, headers, seconds=seconds)
                delays, _, open_seconds, busy, _ = self._one_event_to_many(ceiling.url, count, fire, ceiling.url, body, headers, seconds)
                self.quiet_delivery_row("reference ceiling", ceiling.url, count, fire, ceiling.process.pid)
        except (CeilingError, sse.StreamRefused, OSError) as error:
            self.rows.append(Row(self.backend.name, "12", "reference ceiling: one event to many subscribers", result=f"not measured: {error}", verdict=INFO))
            return None, None
        complete = len(delays) == count
        p99 = percentile_99(delays) if complete else None
        ratio, note = p99_against_idle(busy, idle)
        me_ratio = ratio if idle.p99_ms and not note else None
        me = f"; its `me` p99 meanwhile {busy.p99_ms:.2f} ms vs {idle.p99_ms:.2f} ms idle" + (f": {me_ratio:.2f}×" if me_ratio else "")
        self.rows.append(
            Row(
                self.backend.name, "12", f"reference ceiling: one event to {count:,} subscribers by bare axum (bench/ceiling), same client",
                load=f"{count:,} streams (opened in {open_seconds:.1f} s), 1 event during {busy.params} on the ceiling",
                result=(f"p99 {p99:.1f} ms, median {delays[len(delays) // 2]:.1f} ms, last {delays[-1]:.1f} ms" if complete
                        else f"only {len(delays):,} of {count:,} streams got the event") + me + _note(note),
                verdict=info(note),
            )
        )
        return p99, me_ratio

    def s8_sse_bursts(self, count=BURST_STREAMS, bursts=BURSTS, settle_seconds=3.0):
        """Resident memory across bursts of SSE streams: each burst opens `count` subscriptions
        on the admin endpoint, makes one event every stream delivers, then drops them all; RSS
        is read once the server has closed them (open-streams gauge at 0, no connection open on
        its listeners) and `settle_seconds` more. On a freshly started server, so that
        the start is its idle memory whatever ran before."""
        measure = f"SSE bursts: {bursts} × {count:,} subscriptions opened, one event each, dropped: resident memory"
        self.server.stop()
        self.server.start()  # on new ports
        admin = self.admin

        def trigger(n):
            graphql.data(admin, CHANGE_RATE_LIMIT % (1_000_000_001 + n))

        # One event with no subscriber first: the storage's connections are open at the start.
        trigger(0)
        time.sleep(1)
        start_rss = self.server.rss_mib()
        after, open_seconds, problems = [], [], []
        for n in range(1, bursts + 1):
            try:
                seconds, delivered = sse.burst(admin, SUBSCRIBE_OPEN, count, lambda n=n: trigger(n))
            except sse.StreamRefused as error:
                raise NotAvailable(f"SSE answers {error}") from None
            open_seconds.append(seconds)
            if delivered != count:
                problems.append(f"burst {n}: {delivered} of {count} streams delivered the event")
            streams, connections = self.wait_streams_closed()
            if streams != 0 or connections != 0:
                problems.append(f"burst {n}: {streams} streams and {connections} connections still open")
            time.sleep(settle_seconds)
            after.append(self.server.rss_mib())
        worst = max(after) - start_rss
        figures = ", ".join(f"{rss:.1f}" for rss in after)
        note = "; ".join(problems)
        closed = "" if note else "; every stream and connection closed after each burst"
        self.add(
            8, measure,
            load=f"{bursts} × {count} SSE streams (opened in {min(open_seconds):.1f}–{max(open_seconds):.1f} s), "
            f"1 settings change each; RSS {settle_seconds:g} s after the server closed them",
            result=f"start {start_rss:.1f} MiB; after each burst {figures} MiB; at most +{worst:.1f} MiB, "
            f"last +{after[-1] - start_rss:.1f} MiB{closed}" + _note(note),
            target=f"after the bursts, RSS ≤ start + {BURST_MARGIN_MIB} MiB",
            verdict=FAIL if note else verdict(worst <= BURST_MARGIN_MIB),
            summary=at_most(
                "memory after SSE bursts", f"+{worst:.1f} MiB over start {start_rss:.1f} MiB" + _note(note),
                worst, BURST_MARGIN_MIB, f"≤ +{BURST_MARGIN_MIB} MiB",
            ),
        )

    def wait_streams_closed(self, timeout=15.0):
        """Waits until the server has closed every stream of a burst: its open-streams gauge at
        0 and no connection open on its listeners; returns both as last read."""
        parts = urllib.parse.urlsplit(self.admin)
        metrics = f"{parts.scheme}://{parts.netloc}/metrics"
        deadline = time.perf_counter() + timeout
        while True:
            with urllib.request.urlopen(metrics, timeout=10) as response:
                text = response.read().decode()
            found = re.search(r"^gatehouse_sse_streams_open (\d+)", text, re.MULTILINE)
            streams = int(found.group(1)) if found else -1
            connections = self.server.open_connections()
            if (streams == 0 and connections == 0) or time.perf_counter() > deadline:
                return streams, connections
            time.sleep(0.1)

    def s7_start(self, ready_seconds, idle_rss, what):
        self.add(
            7, f"start to ready ({what})", load="spawn → listener lines + `{ __typename }` answered",
            result=f"{ready_seconds * 1000:.0f} ms", target="≤ 300 ms", verdict=verdict(ready_seconds <= 0.3),
            summary=at_most(f"start to ready ({what})", f"{ready_seconds * 1000:.0f} ms", ready_seconds * 1000, 300, "≤ 300 ms"),
        )
        self.rows.append(
            Row(self.backend.name, "7", f"resident memory idle ({what})", load="VmRSS 1 s after ready",
                result=f"{idle_rss:.1f} MiB", target="≤ 30 MiB", verdict=verdict(idle_rss <= 30), rss_mib=idle_rss,
                summary=at_most(f"memory idle ({what})", f"{idle_rss:.1f} MiB", idle_rss, 30, "≤ 30 MiB"))
        )


def of_ceiling(run, ceiling):
    """A run's rate as a share of the ceiling's, and that share as the rows print it."""
    share = run.rate / ceiling.rate if ceiling.rate else 0.0
    return share, f"{run.rate:,.0f} req/s = {share:.2f} of ceiling"


def info(note):
    """The verdict of a row without a target: invalid when its answers were not all data."""
    return INVALID if note else INFO


def cpu_per_login(spent, load, raw, cores, postgres):
    """Where a login load's CPU went, per login, and the ratio to the raw rate those costs leave
    with every core busy: the hashing's share of the CPU, times the raw hash's speed over the
    server's."""
    logins = load.requests
    if not logins or not raw:
        return "CPU per login not measured"
    hashing, other, database = (1000 * x / logins for x in (spent.hashing, spent.other, spent.postgres))
    raw_ms = 1000 * cores / raw
    bound = raw_ms / (hashing + other + database)
    busy = (spent.hashing + spent.other + spent.postgres) / load.seconds
    database_text = f", PostgreSQL {database:.2f} ms" if postgres else ""
    return (
        f"CPU per login: hashing {hashing:.2f} ms (raw {raw_ms:.2f} ms), the rest of Gatehouse {other:.2f} ms"
        f"{database_text}; {busy:.2f} of {cores} cores busy; these costs allow {bound:.2f} of raw with every core busy"
    )


def percentile_99(values):
    """The 99th percentile of sorted `values`."""
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def p99_against_idle(busy, idle):
    """A load's p99 as a multiple of the same load's idle p99, and what made either invalid."""
    ratio = busy.p99_ms / idle.p99_ms if idle.p99_ms else float("inf")
    return ratio, busy.error_note() or (idle.error_note() and f"idle: {idle.error_note()}")


def _delays(arrivals):
    """Scenario 12's arrivals as delays (kernel receive time − the event's `at`) and client
    lags, both in ms and sorted."""
    delays, lags = [], []
    for stamp, lag, data in arrivals:
        try:
            event = json.loads(data)["data"]["audit"]["subscribeForEvents"]
        except (ValueError, KeyError, TypeError):
            continue
        at = sse.event_epoch(event.get("at"))
        if at is not None:
            delays.append((stamp - at) * 1000)
            lags.append(lag * 1000)
    return sorted(delays), sorted(lags)


def _note(note):
    return f" — {note}" if note else ""
