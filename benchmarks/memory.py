"""Memory figures the benchmarks print, read from Linux's /proc (MB)."""

from __future__ import annotations

import resource


def _proc_field(path: str, name: str) -> float:
    """A "Name:   1234 kB" line of a /proc file, in MB (NaN if absent)."""
    with open(path) as lines:
        for line in lines:
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """This process's resident set size now."""
    return _proc_field("/proc/self/status", "VmRSS")


def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def available_mb() -> float:
    """Memory the kernel says new allocations can have without swapping."""
    return _proc_field("/proc/meminfo", "MemAvailable")
