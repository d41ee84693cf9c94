"""Benchmarks: `python -m benchmarks` runs them all and writes the table into README.md."""
