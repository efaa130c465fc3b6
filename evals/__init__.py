"""Evaluation: datasets, runners, metrics, red team, reports, and the `make bench` benchmarks."""
