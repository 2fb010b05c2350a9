"""Benchmarks against the loopback fakes: `python -m benchmarks.run` (see docs/benchmarks.md)."""
