#!/usr/bin/env python3
"""Gatehouse benchmark orchestrator (Python 3.11, standard library only).

Started by bench/run.sh, which builds the binaries, installs wrk and starts PostgreSQL. For each
backend: a fresh database, `gatehouse serve` on free loopback ports, the selected scenarios, and
one markdown table printed and saved under bench/results/.
"""

import argparse
import datetime
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from harness import report, sessions
from harness.backends import Postgres, SQLite
from harness.scenarios import BIG_DOMAIN, Bench, NotAvailable
from harness.server import Server, ServerError

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {
    1: ("`me` with a valid token, and vs the reference ceiling", Bench.s1_me),
    2: ("`login` vs the raw Argon2id rate", Bench.s2_login),
    3: ("`register`", Bench.s3_register),
    4: ("1,000,000 users and events: pages by index and by cursor, countUsers, login", Bench.s4_million),
    5: ("`me` latency during a login storm", Bench.s5_me_under_login_storm),
    6: ("SSE delivery to 1,000 subscribers", Bench.s6_sse),
    8: ("resident memory after bursts of 2,000 SSE streams", Bench.s8_sse_bursts),
    9: ("`forgotPassword` timing, known vs unknown address", Bench.s9_forgot_password_timing),
    10: ("REST `GET /api/users/me` vs GraphQL `me`", Bench.s10_rest_me),
    11: ("`me` beside 5,000 slow connections", Bench.s11_slow_clients),
    12: ("10,000 SSE subscribers: delivery, memory, `me` meanwhile", Bench.s12_sse_many),
    13: ("sessions: refresh rotations, session-bound `me`, 1,000,000 stored sessions", sessions.run),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--pg-url", help="a PostgreSQL server (any database); a fresh database is made on it")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load (default 10)")
    parser.add_argument("--scenarios", default="1,2,3,4,5,6,7,8,9,10,11,12,13", help="comma-separated scenario numbers")
    parser.add_argument("--binary", default=ROOT / "target/release/gatehouse", type=Path)
    parser.add_argument("--argon2-rate", default=ROOT / "target/release/examples/argon2_rate", type=Path)
    parser.add_argument("--ceiling", default=ROOT / "target/release/gatehouse-bench-ceiling", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep each run's work directory and database")
    args = parser.parse_args()
    selected = sorted({int(s) for s in args.scenarios.split(",") if s.strip()})
    if not set(selected) <= set(SCENARIOS) | {7}:
        parser.error(f"unknown scenario in {args.scenarios!r}; known: {sorted(set(SCENARIOS) | {7})}")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not args.pg_url:
        parser.error("--pg-url is needed for the postgres backend")

    # 1,000 SSE streams and wrk's connections need descriptors, in the server too (inherited).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    started = datetime.datetime.now(datetime.timezone.utc)
    machine = report.machine()
    ticks = report.cpu_ticks()
    rows = []
    for name in backends:
        rows += run_backend(name, args, selected)
    machine["load average at end"] = report.machine()["load average"]
    machine["CPU time stolen by the host during the run"] = report.stolen_share(ticks, report.cpu_ticks())

    command = os.environ.get("BENCH_COMMAND") or "bench/bench.py " + " ".join(sys.argv[1:])
    header = "\n".join(
        [f"Gatehouse benchmark, {started:%Y-%m-%d %H:%M} UTC", "", f"Command: `{command}`", ""]
        + [f"- {key}: {value}" for key, value in machine.items()]
    )
    text = header + "\n\n" + report.table(rows) + "\n"
    print("\n" + text, flush=True)
    # One line per scenario and backend, printed last so that a regression is visible at a glance.
    summary = f"Summary (figure/target: a ≥ target is met at 1 or more, a ≤ target at 1 or less)\n\n{report.summary(rows)}\n"
    text += "\n```\n" + summary + "```\n"
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stem = results / f"{started:%Y%m%d-%H%M%S}-{args.backend}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(
        json.dumps({"machine": machine, "command": command, "rows": [asdict(r) for r in rows]}, indent=2)
    )
    print(f"saved {stem}.md", file=sys.stderr, flush=True)
    print("\n" + summary, end="")


def run_backend(name, args, selected):
    workdir = Path(tempfile.mkdtemp(prefix=f"gatehouse-bench-{name}-"))
    backend = SQLite(workdir) if name == "sqlite" else Postgres(args.pg_url)
    server = Server(args.binary, workdir, backend.url, ["localhost", BIG_DOMAIN, sessions.DOMAIN])
    bench = Bench(server, backend, args.seconds, _cores(), args.argon2_rate, args.ceiling)
    try:
        progress(name, "starting gatehouse on a fresh database")
        ready = server.start()
        if 7 in selected:
            time.sleep(1)
            bench.s7_start(ready, server.rss_mib(), "fresh database")
        try:
            bench.setup()
        except NotAvailable as error:
            for n in selected:
                if n in SCENARIOS:
                    bench.unavailable(n, SCENARIOS[n][0], str(error))
            return bench.rows
        for n in selected:
            if n not in SCENARIOS:
                continue
            measure, run = SCENARIOS[n]
            progress(name, f"scenario {n}: {measure}")
            try:
                run(bench)
            except NotAvailable as error:
                bench.unavailable(n, measure, str(error))
            except Exception as error:  # one broken scenario must not lose the others' figures
                traceback.print_exc()
                bench.add(n, measure, result=f"harness error: {error}", verdict="**error**")
            if not server.alive():
                bench.add(n, "the server exited", result=server.log_tail(), verdict="**error**")
                return bench.rows
        if 7 in selected:
            progress(name, "scenario 7: restart on the existing database")
            server.stop()
            ready = server.start()
            time.sleep(1)
            bench.s7_start(ready, server.rss_mib(), "restart, existing database")
        return bench.rows
    except ServerError as error:
        bench.add("-", "gatehouse did not start", result=str(error), verdict="**error**")
        return bench.rows
    finally:
        server.stop()
        if args.keep:
            progress(name, f"kept {workdir} (database {backend.url})")
        else:
            backend.drop()
            shutil.rmtree(workdir, ignore_errors=True)


def _cores():
    return len(os.sched_getaffinity(0))


def progress(backend, message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {backend}: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
