"""A Gatehouse process under test: its config, start-to-ready time, resident memory, stop."""

import os
import queue
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from . import graphql

# The user listener is written last: once its line is printed, every other line is too.
CONFIG = """\
[storage]
url = "{storage_url}"

[smtp]
outbox = "{outbox}"

[server]
log_level = "warn"

{domains}
[[listen]]
handler = "admin"
address = "127.0.0.1:0"
path = "/api/graphql"

[[listen]]
handler = "user"
address = "127.0.0.1:0"
path = "/graphql"
default_domain = "localhost"
"""


class ServerError(Exception):
    pass


class Server:
    def __init__(self, binary, workdir, storage_url, domains):
        self.binary = Path(binary).resolve()
        self.workdir = Path(workdir)
        self.config = self.workdir / "gatehouse.toml"
        self.log = self.workdir / "gatehouse.log"
        domain_tables = "".join(f'[[domains]]\nname = "{name}"\n\n' for name in domains)
        self.config.write_text(
            CONFIG.format(storage_url=storage_url, outbox=self.workdir / "outbox", domains=domain_tables)
        )
        self.process = None
        self.urls = {}

    def start(self, timeout=60.0):
        """Spawns `gatehouse serve`; returns the seconds from spawn until the listener lines are
        printed and a `{ __typename }` POST to the user endpoint is answered with data."""
        # A caller's GATEHOUSE_... overrides must not reach the server under test.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
        lines = queue.Queue()
        log = open(self.log, "ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--config", str(self.config)],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        log.close()
        threading.Thread(target=_read_lines, args=(self.process.stdout, lines), daemon=True).start()
        self.urls = {}
        deadline = started + timeout
        while "user" not in self.urls:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                raise ServerError(f"gatehouse did not print its listeners; log: {self.log_tail()}")
            handler, _, url = line.strip().partition(" ")
            if url:
                self.urls[handler] = url.strip()
        while True:
            try:
                graphql.data(self.urls["user"], "{ __typename }", timeout=5)
                return time.perf_counter() - started
            except (OSError, graphql.GraphQLError) as error:
                if time.perf_counter() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise ServerError(f"the user endpoint does not answer: {error}; log: {self.log_tail()}")
                time.sleep(0.001)

    def rss_mib(self):
        """Resident memory (VmRSS) of the server process, in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise ServerError("no VmRSS in /proc status")

    def open_connections(self):
        """The connections the server holds open on its listeners (its sockets whose local port
        is a listener's, listening sockets and the storage's connections not counted)."""
        pid = self.process.pid
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                link = os.readlink(fd)
            except OSError:  # closed meanwhile
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        ports = {urllib.parse.urlsplit(url).port for url in self.urls.values()}
        count = 0
        for table in ("tcp", "tcp6"):
            try:
                lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
                if inode in inodes and local_port in ports and state != "0A":  # 0A: LISTEN
                    count += 1
        return count

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines=5):
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:]) or "(empty)"
        except OSError:
            return "(no log)"


def _read_lines(stream, lines):
    for raw in stream:
        lines.put(raw.decode(errors="replace"))
    lines.put(None)
