"""Schemathesis hooks for Gatehouse (loaded through SCHEMATHESIS_HOOKS by tests/fuzz/run.py).

- Strategies for the admin API's custom scalars, which schemathesis cannot generate by itself:
  mostly values that exist (`localhost`, its users), some that do not, some that are invalid.
- A check of what "server error" means for Gatehouse. Schemathesis's own `not_a_server_error`
  counts every error raised in a resolver as a server error, so Gatehouse's answers to fuzzed
  input (`Invalid identifier or password`, `no_permissions`, `domain_not_found`, ...) would all
  fail it. This one fails on a 5xx status or an answer that is not a JSON object. An error the
  error mapping reserves for the unexpected (`INTERNAL_SERVER_ERROR` on the user API,
  `internal_server_error` on the admin API) inside a 200 answer fails it too when
  FUZZ_INTERNAL_ERRORS=fail; otherwise it is written, with the query, to the JSON-lines file
  FUZZ_INTERNAL_ERRORS_FILE for tests/fuzz/run.py to report.
- After a request that may have changed or removed the domain admin's password, the password is
  set again through the global admin, so the rest of the run stays authenticated.
"""

import base64
import json
import os
import urllib.request

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

DOMAINS = st.sampled_from(["localhost", "LocalHost", "other.test", "nowhere.invalid", "localhost."])
HOSTNAMES = st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}(\.[a-z0-9-]{1,15}){0,2}", fullmatch=True)
ANY_TEXT = st.text(max_size=40)
NAMES = st.sampled_from(["alice", "admin", "Alice", "user-1"]) | st.text(min_size=0, max_size=20)

schemathesis.graphql.scalar("DomainName", st.one_of(DOMAINS, DOMAINS, HOSTNAMES, ANY_TEXT).map(nodes.String))
schemathesis.graphql.scalar(
    "UserRef",
    st.one_of(st.builds(lambda u, d: f"{u}@{d}", NAMES, st.one_of(DOMAINS, HOSTNAMES)), ANY_TEXT).map(nodes.String),
)
schemathesis.graphql.scalar(
    "FullUserRef",
    st.one_of(
        st.builds(lambda u, d, s: f"{u}@{d}/{s}", NAMES, st.one_of(DOMAINS, HOSTNAMES), ANY_TEXT),
        ANY_TEXT,
    ).map(nodes.String),
)
# Cursors are opaque: random text, and text of the URL-safe base64 alphabet they are made of.
schemathesis.graphql.scalar(
    "Cursor", st.one_of(ANY_TEXT, st.from_regex(r"[A-Za-z0-9_-]{0,60}", fullmatch=True)).map(nodes.String)
)
schemathesis.graphql.scalar("NonEmptyString", st.text(max_size=40).map(nodes.String))
schemathesis.graphql.scalar("PosInt", st.integers(min_value=-3, max_value=2**32).map(nodes.Int))
schemathesis.graphql.scalar("NonNegInt", st.integers(min_value=-3, max_value=2**32).map(nodes.Int))
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), ANY_TEXT).map(nodes.String),
)
schemathesis.graphql.scalar("JSON", st.one_of(ANY_TEXT.map(nodes.String), st.integers().map(nodes.Int)))


@schemathesis.check
def gatehouse_no_server_error(ctx, response, case):
    """No 5xx, a JSON object, and no internal error in `errors`."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        body = json.loads(response.text)
    except ValueError:
        raise AssertionError(f"HTTP {response.status_code}, not JSON: {response.text[:300]!r}") from None
    if not isinstance(body, dict):
        raise AssertionError(f"HTTP {response.status_code}, not a JSON object: {response.text[:300]!r}")
    for error in body.get("errors") or []:
        code = str(((error or {}).get("extensions") or {}).get("code", ""))
        if code.lower() == "internal_server_error" or (error or {}).get("message") == "Internal Server Error":
            if os.environ.get("FUZZ_INTERNAL_ERRORS") == "fail":
                raise AssertionError(f"internal error: {json.dumps(error)[:300]}")
            path = os.environ.get("FUZZ_INTERNAL_ERRORS_FILE")
            if path:
                with open(path, "a") as f:
                    f.write(json.dumps({"error": error, "query": str(case.body)[:4000]}) + "\n")


@schemathesis.hook
def after_call(context, case, response):
    """Sets the domain admin's password again after any request that may have changed it."""
    url = os.environ.get("FUZZ_ADMIN_URL")
    if not url or "DomainPassword" not in str(case.body):
        return
    body = json.dumps(
        {
            "query": 'mutation($p: NonEmptyString!) { domain { setDomainPassword(domain: "localhost", password: $p) } }',
            "variables": {"p": os.environ["FUZZ_DOMAIN_PASSWORD"]},
        }
    ).encode()
    credentials = base64.b64encode(os.environ["FUZZ_ADMIN_CREDENTIALS"].encode()).decode()
    request = urllib.request.Request(
        url, body, {"content-type": "application/json", "authorization": f"Basic {credentials}"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()
