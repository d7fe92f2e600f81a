"""Benchmarks: `python -m bench.run` (see BENCHMARKS.md)."""
