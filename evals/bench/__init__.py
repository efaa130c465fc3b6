"""Benchmarks for `make bench`. Every module here named `bench_*.py` exposes `run() -> list[Row]`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    bench: str
    metric: str
    value: float | str
    unit: str = ""
    target: str = ""
    note: str = ""
