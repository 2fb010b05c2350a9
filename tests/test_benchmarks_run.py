"""The benchmark command still runs end to end and prints every figure.

Only that it runs is checked here, on small samples: whether the figures meet their targets is for
`python -m benchmarks.run` on a quiet machine, never for a timed test in CI.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import BENCHMARKS

ROOT = Path(__file__).resolve().parents[1]


# Each benchmark's own figures. One process per benchmark, so the test workers run them side by side.
FIGURES = {
    "ack": ("ack p99", "then submitted to VOD    30/30;", "ratio ours/bare Bolt, p99"),
    "rate": ("rate / 20", "refused with RequestLimitExceeded"),
    "overhead": ("ratio ours/official, CPU",),
    "memory": ("images uploaded whole to COS  9/9", "growth", "camera photos submitted 2/2", "camera: growth"),
    "lag": ("results in the thread 4/4", "lag, old fixed schedule", "busiest second of DescribeTaskDetail"),
    "slack_limits": (
        "people: submitted once",
        "people: Slack calls answered 429",
        "batch: complete in their thread 4/4",
        "batch: took / floor",
    ),
    "images": ("MP HEIC, ratio ours/plain Pillow", "MP JPEG, ratio ours/plain Pillow"),
    "scale": (
        "ack p99, all at once",
        "command to CreateSceneAigcImageTask",
        "/aigc usage",
        "admin App Home",
        "GET /metrics",
        "start-up",
    ),
}


def test_every_benchmark_has_its_figures_checked() -> None:
    assert list(FIGURES) == list(BENCHMARKS)


@pytest.mark.parametrize("name", FIGURES)
def test_a_quick_benchmark_prints_the_machine_and_its_figures(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--only", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert out.startswith("machine: ") and "python:  CPython" in out
    for figure in FIGURES[name]:
        # Labels are padded to the longest in each benchmark, so compare with the spacing collapsed.
        assert " ".join(figure.split()) in " ".join(out.split()), f"{figure!r} missing from:\n{out}"
    assert "1 benchmarks met their targets" in out


def test_an_unknown_benchmark_name_is_refused_with_the_list() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--only", "speed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown benchmark(s): speed" in done.stderr
