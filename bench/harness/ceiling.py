"""The reference ceiling (bench/ceiling, `gatehouse-bench-ceiling`): a bare axum program that
parses the same JSON body and verifies the same HS256 token as Gatehouse's `me`, and answers a
`me` of the same shape; and that serves `<path>/sse` streams and sends one event to all of them
on a POST to `<path>/event`. It is loaded with the same wrk settings and the same SSE client in
the same run, so that a hot-path figure can be read as a share of what the machine, axum and
the JWT check allow, and a delivery time against what the machine, axum and the kernel allow."""

import os
import queue
import signal
import subprocess
import threading
from pathlib import Path


class CeilingError(Exception):
    pass


class Ceiling:
    def __init__(self, binary, secret, path):
        """`secret` is Gatehouse's JWT secret, handed over in BENCH_JWT_SECRET; `path` is the
        user endpoint's path, so wrk's URL differs from Gatehouse's by the port only."""
        self.binary = Path(binary).resolve()
        self.secret = secret
        self.path = path
        self.process = None
        self.url = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout=10.0):
        if not self.binary.exists():
            raise CeilingError(f"{self.binary} is missing (bench/run.sh builds it)")
        env = dict(os.environ, BENCH_JWT_SECRET=self.secret)
        self.process = subprocess.Popen(
            [str(self.binary), "--listen", "127.0.0.1:0", "--path", self.path],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        lines = queue.Queue()
        threading.Thread(target=_first_line, args=(self.process.stdout, lines), daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        name, _, url = (line or "").strip().partition(" ")
        if name != "ceiling" or not url:
            self.stop()
            raise CeilingError(f"the ceiling did not start: {self._stderr()}")
        self.url = url

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _stderr(self):
        if self.process.poll() is None:
            return "no listener line"
        return (self.process.stderr.read() or b"").decode(errors="replace").strip()[:300] or "(no output)"


def _first_line(stream, lines):
    lines.put(stream.readline().decode(errors="replace") or None)
