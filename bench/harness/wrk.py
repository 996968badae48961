"""Load with wrk and bench/wrk/graphql.lua, which checks every answer's status and body."""

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "wrk" / "graphql.lua"


@dataclass
class Result:
    params: str
    requests: int
    seconds: float
    bad_status: int
    graphql_errors: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    sample_error: str | None

    @property
    def rate(self):
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self):
        return self.bad_status + self.graphql_errors + self.socket_errors

    def error_note(self):
        """Empty for a clean run; else what went wrong, for the table."""
        if not self.errors and self.requests:
            return ""
        if not self.requests:
            return "no request completed"
        parts = []
        if self.bad_status:
            parts.append(f"{self.bad_status} non-200")
        if self.graphql_errors:
            parts.append(f"{self.graphql_errors} GraphQL errors")
        if self.socket_errors:
            parts.append(f"{self.socket_errors} socket errors")
        note = ", ".join(parts) + f" of {self.requests}"
        if self.sample_error:
            note += f"; first: {self.sample_error[:160]}"
        return note


class Run:
    """A wrk process under way; `result()` waits for it."""

    def __init__(
        self, url, body, *, threads, connections, seconds, headers=None, nonce=None, label="", script=SCRIPT, extra_env=None
    ):
        threads = min(threads, connections)
        self.params = f"wrk -t{threads} -c{connections} -d{seconds}s" + (f" {label}" if label else "")
        # No body: a GET (a REST read); else the JSON body is POSTed.
        self.body_file = None
        env = dict(os.environ, BENCH_METHOD="GET", BENCH_NONCE=nonce or "0", BENCH_THREADS=str(threads))
        if body is not None:
            self.body_file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
            json.dump(body, self.body_file)
            self.body_file.close()
            env.update(BENCH_METHOD="POST", BENCH_BODY=self.body_file.name)
        env.update(extra_env or {})
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        command += ["-s", str(script), url]
        self.timeout = seconds + 60
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self):
        try:
            out, err = self.process.communicate(timeout=self.timeout)
        finally:
            if self.body_file:
                os.unlink(self.body_file.name)
        for line in out.splitlines():
            if line.startswith("BENCH_RESULT "):
                r = json.loads(line[len("BENCH_RESULT "):])
                return Result(
                    params=self.params,
                    requests=r["requests"],
                    seconds=r["duration_us"] / 1e6,
                    bad_status=r["bad_status"],
                    graphql_errors=r["graphql_errors"],
                    socket_errors=r["socket_errors"],
                    p50_ms=r["p50_us"] / 1000,
                    p99_ms=r["p99_us"] / 1000,
                    sample_error=r["sample_error"],
                )
        raise RuntimeError(f"wrk gave no result (exit {self.process.returncode}): {(err or out).strip()[:300]}")


def run(url, body, **options):
    return Run(url, body, **options).result()
