#!/usr/bin/env python3
"""Fuzzing: schemathesis against the GraphQL schema of Gatehouse's three endpoints.

    python3 tests/fuzz/run.py target/release/gatehouse [--examples N] [--seed S]

Installs the pinned schemathesis (tests/fuzz/requirements.txt) in a virtualenv under
${XDG_CACHE_HOME:-~/.cache}/gatehouse/ when it is not there yet, starts the binary on free
loopback ports with a fresh SQLite database (an admin listener with credentials, the domain
admin of `localhost` enabled through the admin API), then runs `schemathesis run` on the
domain-admin, user and admin endpoints in turn (the admin last: its mutations may change the
domain admin's password), each with at most N examples per operation. Checks: no 5xx, no
internal error, no non-JSON answer (tests/fuzz/hooks.py), no answer slower than 5 s, no request
left unanswered (10 s), the server still healthy after each endpoint, no panic in its log, and
a clean exit on SIGTERM. Prints the server's own request counts per endpoint and outcome and
`fuzz: N passed, M failed`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN = ("admin", "fuzz-admin-secret")
DOMAIN_PASSWORD = "fuzz-domain-secret"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def venv() -> str:
    """The virtualenv with the pinned schemathesis, made once per requirements file."""
    requirements = os.path.join(HERE, "requirements.txt")
    with open(requirements, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(cache, "gatehouse", f"schemathesis-{digest}")
    executable = os.path.join(path, "bin", "schemathesis")
    if os.access(executable, os.X_OK):
        return executable
    log(f"installing schemathesis into {path}")
    shutil.rmtree(path, ignore_errors=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", path], check=True)
        install = [os.path.join(path, "bin", "pip"), "install", "-q", "--disable-pip-version-check", "-r", requirements]
        # One more try: a download can fail for a moment.
        if subprocess.run(install, timeout=900).returncode != 0:
            log("pip install failed; trying once more")
            subprocess.run(install, check=True, timeout=900)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return executable


def request(url, method="GET", body=None, headers=None, timeout=10):
    target = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=timeout)
    try:
        connection.request(method, target.path or "/", body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def start(binary, workdir):
    config = os.path.join(workdir, "gatehouse.toml")
    with open(config, "w") as f:
        f.write(
            f"""[storage]
url = "sqlite://{os.path.join(workdir, 'gatehouse.db')}"

[smtp]
outbox = "{os.path.join(workdir, 'outbox')}"

[server]
log_level = "warn"

[[domains]]
name = "localhost"

[[listen]]
handler = "user"
address = "127.0.0.1:0"

[[listen]]
handler = "admin"
address = "127.0.0.1:0"
username = "{ADMIN[0]}"
password = "{ADMIN[1]}"

[[listen]]
handler = "domain_admin"
address = "127.0.0.1:0"
"""
        )
    logfile = open(os.path.join(workdir, "gatehouse.log"), "w")
    setpriv = shutil.which("setpriv")
    process = subprocess.Popen(
        ([setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []) + [binary, "serve", "--config", config],
        stdout=subprocess.PIPE,
        stderr=logfile,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    logfile.close()
    urls = {}
    deadline = time.monotonic() + 60
    while len(urls) < 3:
        if time.monotonic() > deadline:
            raise RuntimeError("Gatehouse did not print its three listeners within 60 s")
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"Gatehouse exited with {process.wait()} before it was ready")
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith("http://"):
            urls[parts[0]] = parts[1]
    return process, urls


def metrics(admin_url):
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(admin_url))
    status, body = request(origin + "/metrics")
    counts = {}
    for match in re.finditer(r'^gatehouse_http_requests_total\{([^}]*)\} (\d+)', body.decode(), re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        counts[(labels.get("endpoint"), labels.get("outcome"))] = int(match.group(2))
    return counts


def report_internal_errors(path, server_log, mode):
    """Internal errors inside 200 answers: what schemathesis saw (by field, with one query each)
    and what the server logged as their causes."""
    seen = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                entry = json.loads(line)
                key = ".".join(str(p) for p in entry["error"].get("path") or []) or entry["error"].get("message", "?")
                count, query = seen.get(key, (0, entry["query"]))
                seen[key] = (count + 1, query)
    causes = {}
    for line in server_log.splitlines():
        if "internal error in the" in line:
            cause = re.sub(r"^.*?error=", "", line)
            causes[cause] = causes.get(cause, 0) + 1
    print(f"\n== Internal errors inside 200 answers (mode: {mode}): {sum(c for c, _ in seen.values())} answers")
    for key, (count, query) in sorted(seen.items()):
        print(f"  {count} x at {key}; one query:\n    " + query.replace("\n", "\n    "))
    for cause, count in sorted(causes.items()):
        print(f"  the server logged {count} x: {cause}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--examples", type=int, default=100, help="examples per operation (100)")
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers (2)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a new one, printed)")
    parser.add_argument(
        "--internal-errors",
        choices=["report", "fail"],
        default="report",
        help="an internal error inside a 200 answer (not a 5xx) is reported (default) or fails the run",
    )
    parser.add_argument("--endpoint-timeout", type=int, default=300, help="seconds per endpoint before it counts as a hang (300)")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")

    def interrupt(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupt)
    schemathesis = venv()
    version = subprocess.run([schemathesis, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    log(f"{version}; seed {seed}; {args.examples} examples per operation")

    workdir = tempfile.mkdtemp(prefix="gatehouse-fuzz-")
    process = None
    checks = []
    try:
        process, urls = start(binary, workdir)
        admin_auth = basic(*ADMIN)
        body = json.dumps(
            {
                "query": "mutation($p: NonEmptyString!) { domain { setDomainPassword(domain: \"localhost\", password: $p) } }",
                "variables": {"p": DOMAIN_PASSWORD},
            }
        )
        status, answer = request(
            urls["admin"], "POST", body, {"content-type": "application/json", "authorization": admin_auth}
        )
        if status != 200 or b'"errors"' in answer:
            raise RuntimeError(f"setDomainPassword: {status} {answer[:200]!r}")
        health = "{0.scheme}://{0.netloc}/health".format(urllib.parse.urlsplit(urls["admin"]))
        # A signed-in user, for a second pass over the user API (`me`, `changePassword`, ...).
        body = json.dumps(
            {
                "query": "mutation($u: String!, $e: String!, $p: String!) "
                "{ register(input: {username: $u, email: $e, password: $p}) { jwt } }",
                "variables": {"u": "fuzzer", "e": "fuzzer@example.com", "p": DOMAIN_PASSWORD},
            }
        )
        status, answer = request(urls["user"], "POST", body, {"content-type": "application/json"})
        try:
            jwt = json.loads(answer)["data"]["register"]["jwt"]
        except (ValueError, KeyError, TypeError):
            raise RuntimeError(f"register: {status} {answer[:200]!r}") from None

        endpoints = [
            ("domain_admin", urls["domain_admin"], ["--auth", f"admin@localhost:{DOMAIN_PASSWORD}"]),
            ("user", urls["user"], []),
            ("user (signed in)", urls["user"], ["--header", f"Authorization: Bearer {jwt}"]),
            ("admin", urls["admin"], ["--auth", f"{ADMIN[0]}:{ADMIN[1]}"]),
        ]
        env = dict(
            os.environ,
            SCHEMATHESIS_HOOKS=os.path.join(HERE, "hooks.py"),
            # For the hook that sets the domain admin's password again when a request changed it.
            FUZZ_ADMIN_URL=urls["admin"],
            FUZZ_ADMIN_CREDENTIALS=f"{ADMIN[0]}:{ADMIN[1]}",
            FUZZ_DOMAIN_PASSWORD=DOMAIN_PASSWORD,
            FUZZ_INTERNAL_ERRORS=args.internal_errors,
            FUZZ_INTERNAL_ERRORS_FILE=os.path.join(workdir, "internal-errors.jsonl"),
        )
        durations = {}
        for name, url, auth in endpoints:
            command = [
                schemathesis, "run", url, *auth,
                "--checks", "gatehouse_no_server_error",
                "--max-response-time", "5",
                "--request-timeout", "10",
                "--max-examples", str(args.examples),
                "--workers", str(args.workers),
                "--seed", str(seed),
                "--generation-database", "none",
                "--no-color",
                "--suppress-health-check", "all",
            ]
            log(f"{name}: {' '.join(command[1:])}")
            begun = time.monotonic()
            try:
                result = subprocess.run(command, cwd=workdir, env=env, timeout=args.endpoint_timeout)
                code = result.returncode
            except subprocess.TimeoutExpired:
                code = None
            durations[name] = time.monotonic() - begun
            checks.append((f"{name}: schemathesis found nothing", code == 0, f"exit {code}, {durations[name]:.0f} s" if code is not None else f"still running after {args.endpoint_timeout} s"))
            alive = process.poll() is None
            try:
                healthy = alive and request(health, timeout=5)[0] == 200
            except OSError:
                healthy = False
            checks.append((f"{name}: the server is still up and healthy", healthy, "" if alive else f"exited with {process.returncode}"))

        counts = metrics(urls["admin"])
        print("\n== Requests the server counted (gatehouse_http_requests_total), by endpoint and outcome")
        for endpoint in ("domain_admin", "user", "admin"):
            row = {outcome: n for (e, outcome), n in counts.items() if e == endpoint}
            total = sum(row.values())
            seconds = sum(d for name, d in durations.items() if name.split()[0] == endpoint)
            print(f"  {endpoint:13} {total:6d} requests in {seconds:5.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(row.items())))
        server_errors = sum(n for (e, outcome), n in counts.items() if outcome == "server_error")
        checks.append(("the server counted no server_error", server_errors == 0, f"{server_errors}"))

        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(40)
        except subprocess.TimeoutExpired:
            code = None
        checks.append(("the server exits 0 on SIGTERM", code == 0, f"exit {code}"))
        with open(os.path.join(workdir, "gatehouse.log"), errors="replace") as f:
            server_log = re.sub(r"\x1b\[[0-9;]*m", "", f.read())
        panics = server_log.count("panicked")
        checks.append(("no panic in the server's log", panics == 0, f"{panics}"))
        if panics or server_errors:
            print(server_log[-4000:])
        report_internal_errors(os.path.join(workdir, "internal-errors.jsonl"), server_log, args.internal_errors)
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        return 2
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        log(f"harness error: {e}")
        return 2
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n== Checks (seed {seed}; rerun: python3 tests/fuzz/run.py BINARY --seed {seed} --examples {args.examples})")
    for name, ok, detail in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}{'  (' + detail + ')' if detail else ''}")
    failed = sum(1 for _, ok, _ in checks if not ok)
    print(f"\nfuzz: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
