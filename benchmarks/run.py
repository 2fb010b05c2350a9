"""Run the benchmarks: `python -m benchmarks.run` (all), or some: `--only ack,scale,images`.

Prints the machine, then each benchmark's figures and PASS/FAIL against its target; exits 1 if any failed.
`--quick` runs smaller samples to check the harness itself; its figures are not the published ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from benchmarks import (
    ack_latency,
    client_overhead,
    image_prep,
    result_lag,
    scale,
    slack_limits,
    submit_rate,
    upload_memory,
)
from benchmarks.fakes_host import FakeHost
from benchmarks.machine import describe
from benchmarks.report import Outcome

Benchmark = Callable[[FakeHost, bool], Outcome]

BENCHMARKS: dict[str, Benchmark] = {
    "ack": lambda host, quick: ack_latency.run(host, requests=30 if quick else 100, rounds=1 if quick else 5),
    "rate": lambda host, quick: submit_rate.run(host, submissions=60 if quick else 200),
    "overhead": lambda host, quick: client_overhead.run(host, calls=100 if quick else 400, rounds=3 if quick else 7),
    "memory": lambda host, quick: upload_memory.run(
        host, requests=3 if quick else 10, images=3 if quick else 10, camera_photos=2 if quick else 20
    ),
    "lag": lambda host, quick: (
        result_lag.run(host, tasks=4, shortest=1.0, longest=4.0) if quick else result_lag.run(host)
    ),
    "slack_limits": lambda host, quick: (
        slack_limits.run(host, people_count=4, batch_rows=4, rate_scale=5.0) if quick else slack_limits.run(host)
    ),
    "images": lambda host, quick: image_prep.run(host, rounds=1, scale=0.25) if quick else image_prep.run(host),
    "scale": lambda host, quick: (
        scale.run(host, rows=5_000, sequential=5, concurrent=10, samples=2, rounds=1) if quick else scale.run(host)
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="small samples, to check the harness")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    print("\n".join(describe()))
    print(f"run:     {time.strftime('%Y-%m-%d %H:%M:%S %Z')}{' (quick samples)' if args.quick else ''}\n", flush=True)
    outcomes = []
    with FakeHost() as host:
        for name in chosen:
            began = time.monotonic()
            outcome = BENCHMARKS[name](host, args.quick)
            outcome.notes.append(f"took {time.monotonic() - began:.1f} s")
            outcomes.append(outcome)
            print("\n".join(outcome.lines()) + "\n", flush=True)
    failed = [o.name for o in outcomes if not o.passed]
    print(f"{len(outcomes) - len(failed)}/{len(outcomes)} benchmarks met their targets")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
