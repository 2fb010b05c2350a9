"""What the figures were measured on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1_048_576:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def describe() -> list[str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return [
        f"machine: {platform.machine()}, {_cpu_model()}, {cores} cores usable, {_memory_gib()} RAM",
        f"system:  {platform.system()} {platform.release()}, load average {load}",
        f"python:  {platform.python_implementation()} {platform.python_version()}",
    ]
