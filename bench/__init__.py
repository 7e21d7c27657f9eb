"""Paired throughput benchmarks of the event backbone (run with `python -m bench`)."""
