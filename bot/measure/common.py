"""What the measurement tools share (bench, profile, cluster_bench): the questions a
benchmark conversation asks, a process's resident memory, percentiles."""

from __future__ import annotations

from pathlib import Path

QUESTIONS = [
    "what's the median salary for ML engineers?",
    "and the average?",
    "tell me more",
    "where does that come from?",
    "how do I get started",
    "what's the weather",
    "is demand growing?",
    "do i need a masters",
    "hi",
    "what skills do I need",
]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
