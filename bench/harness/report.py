"""The results table (markdown) and the description of the machine it was measured on."""

import os
import platform
import subprocess
from dataclasses import dataclass

PASS, FAIL, INVALID, UNAVAILABLE, INFO = "pass", "**FAIL**", "**invalid**", "not available", "—"


@dataclass
class Row:
    backend: str
    scenario: str
    measure: str
    load: str = ""
    result: str = ""
    target: str = ""
    verdict: str = INFO
    rss_mib: float | None = None


def verdict(ok, errors=""):
    """A run whose answers were not all data is invalid, whatever its figures."""
    if errors:
        return INVALID
    return PASS if ok else FAIL


def table(rows):
    lines = [
        "| Backend | # | Measure | Load | Result | Target | Verdict | RSS after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        rss = f"{r.rss_mib:.1f} MiB" if r.rss_mib is not None else ""
        cells = [r.backend, r.scenario, r.measure, r.load, r.result, r.target, r.verdict, rss]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def machine():
    """What a reader needs to compare figures: cores, memory, CPU, load, versions."""
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = _first_line(["free", "-h"], pick=lambda out: out.splitlines()[1].split()[1])
    wrk = _first_line(["wrk", "-v"], pick=lambda out: out.split("[")[0].strip())
    commit = _first_line(["git", "rev-parse", "--short", "HEAD"])
    dirty = _first_line(["git", "status", "--porcelain", "--untracked-files=no"], pick=lambda out: out.strip())
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "kernel": platform.release(),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "wrk": wrk,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
    }


def _first_line(command, pick=lambda out: out.strip().splitlines()[0]):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return pick(out.stdout or out.stderr)
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"
