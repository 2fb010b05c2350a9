"""Benchmarks against the loopback fakes: `python -m benchmarks.run` (see the README's Performance section)."""
