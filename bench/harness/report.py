"""The results table (markdown) and the description of the machine it was measured on."""

import os
import platform
import subprocess
from dataclasses import dataclass

PASS, FAIL, INVALID, UNAVAILABLE, INFO = "pass", "**FAIL**", "**invalid**", "not available", "—"


@dataclass
class Summary:
    """A row's figure for the one-line summary: `value` compared with `target` (`op` "≥" or
    "≤"; no target: information only)."""

    name: str
    figure: str
    value: float | None = None
    op: str | None = None
    target: float | None = None
    target_text: str = ""

    @property
    def ratio(self):
        """The figure over its target: a "≥" target is met at 1 or more, a "≤" one at 1 or less."""
        if self.value is None or not self.target:
            return None
        return self.value / self.target

    @property
    def margin(self):
        """How far the target is met, higher is better whatever the direction: worst first."""
        ratio = self.ratio
        if ratio is None:
            return float("inf")
        if self.op == "≤":
            return 1 / ratio if ratio else float("inf")
        return ratio


def at_least(name, figure, value, target, target_text):
    return Summary(name, figure, value, "≥", target, target_text)


def at_most(name, figure, value, target, target_text):
    return Summary(name, figure, value, "≤", target, target_text)


def information(name, figure):
    return Summary(name, figure)


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
    summary: Summary | None = None


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


# Verdicts from worst to best: a scenario's summary line shows its worst row.
_RANK = {"**error**": 0, INVALID: 0, UNAVAILABLE: 1, FAIL: 2, PASS: 3, INFO: 4}


def summary(rows):
    """One line per scenario and backend: the scenario's worst row against its target (the
    figure, the target, the figure over the target, the verdict), so a regression shows at a
    glance. Rows measured without a target appear only when their scenario has no other."""
    groups = {}
    for r in rows:
        if r.summary is not None or _RANK.get(r.verdict, 4) < _RANK[FAIL]:
            groups.setdefault((r.backend, r.scenario), []).append(r)
    backends = list(dict.fromkeys(r.backend for r in rows))
    order = sorted(groups, key=lambda k: (backends.index(k[0]), int(k[1]) if k[1].isdigit() else 99))
    lines = []
    for backend, scenario in order:
        group = groups[(backend, scenario)]
        targeted = [r for r in group if r.summary is None or r.summary.target is not None]
        worst = min(targeted or group, key=_badness)
        line = f"{scenario} " + _summary_line(worst)
        if len(targeted) > 1:
            met = sum(r.verdict == PASS for r in targeted)
            line += f" (worst of {len(targeted)} targets; {met} met)"
        lines.append(line)
    return "\n".join(lines)


def _badness(row):
    return (_RANK.get(row.verdict, 4), row.summary.margin if row.summary else float("-inf"))


def _summary_line(r):
    verdict = r.verdict.replace("*", "")
    s = r.summary
    if s is None:
        result = str(r.result).replace("\n", " ")[:160]
        return f"{r.measure} ({r.backend}): " + (result if result.startswith(verdict) else f"{verdict}: {result}")
    line = f"{s.name} ({r.backend}): {s.figure}"
    if s.target is None:
        return line + " (no target)" + ("" if verdict == INFO else f" · {verdict}")
    return line + f" (target {s.target_text}) · figure/target {s.ratio:.2f} · {verdict}"


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


def cpu_ticks():
    """(all, stolen) CPU ticks since boot from /proc/stat; None where there is none. Time the
    hypervisor gave to other guests slows every load at random, so a run reports its share."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def stolen_share(before, after):
    """The share of the CPU time between two `cpu_ticks()` readings that the host took."""
    if not before or not after or after[0] <= before[0]:
        return "unknown"
    return f"{(after[1] - before[1]) / (after[0] - before[0]):.1%}"


def _first_line(command, pick=lambda out: out.strip().splitlines()[0]):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return pick(out.stdout or out.stderr)
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"
