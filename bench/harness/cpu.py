"""Where a load's CPU time went, from /proc: Gatehouse's password-hashing threads, its other
threads, and PostgreSQL's processes. A login rate compared with the raw Argon2id rate is read
against it: the hashing's share of the CPU bounds the ratio."""

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
# The threads `crates/core/src/password.rs` names `gatehouse-hash-<n>` (comm keeps 15 bytes).
HASHING = "gatehouse-hash-"


def _times(stat):
    """User and system CPU seconds from a /proc `stat` line."""
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def _threads(pid):
    """(whether it hashes passwords, its user and system CPU seconds) per live thread of `pid`."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            yield (task / "comm").read_text().startswith(HASHING), _times((task / "stat").read_text())
        except OSError:  # the thread ended meanwhile
            continue


@dataclass
class Sample:
    hashing: float
    other: float
    postgres: float

    def __sub__(self, earlier):
        return Sample(self.hashing - earlier.hashing, self.other - earlier.other, self.postgres - earlier.postgres)


def sample(pid, postgres):
    """CPU seconds so far: the server's hashing threads, the rest of the server (threads that
    ended included), and (with `postgres`) every process called `postgres` on this machine."""
    total = sum(_times(Path(f"/proc/{pid}/stat").read_text()))
    hashing = sum(sum(times) for hashes, times in _threads(pid) if hashes)
    return Sample(hashing, total - hashing, _processes("postgres") if postgres else 0.0)


@dataclass
class Split:
    """User and system CPU seconds."""

    user: float
    system: float

    def __sub__(self, earlier):
        return Split(self.user - earlier.user, self.system - earlier.system)

    @property
    def total(self):
        return self.user + self.system


def split(pid):
    """User and system CPU seconds so far of the process's live threads but its hashing ones:
    what it spent serving, the kernel's share apart."""
    serving = [times for hashes, times in _threads(pid) if not hashes]
    return Split(sum(user for user, _ in serving), sum(system for _, system in serving))


def _processes(name):
    total = 0.0
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            if (process / "comm").read_text().strip() == name:
                total += sum(_times((process / "stat").read_text()))
        except OSError:
            continue
    return total
