"""Run every benchmark (or those named on the command line) and print one table; also write JSON.

    python -m evals.bench [NAME ...] [--out bench-results/latest.json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import evals.bench as pkg
from evals.bench import Row


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("bench_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="bench names without the bench_ prefix")
    parser.add_argument("--out", default="bench-results/latest.json")
    args = parser.parse_args(argv)
    names = [f"bench_{n.removeprefix('bench_')}" for n in args.names] or discover()
    rows: list[Row] = []
    failed = False
    for name in names:
        started = time.perf_counter()
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            rows += importlib.import_module(f"evals.bench.{name}").run()
        except Exception as exc:  # one broken bench must not hide the others
            failed = True
            rows.append(Row(name, "error", f"{type(exc).__name__}: {exc}"))
        print(f"   {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    width = max((len(f"{r.bench} / {r.metric}") for r in rows), default=20)
    print(f"{'benchmark / metric':<{width}}  {'value':>14}  {'unit':<8}  {'target':<10}  note")
    for r in rows:
        value = f"{r.value:.4g}" if isinstance(r.value, float) else str(r.value)
        print(f"{r.bench + ' / ' + r.metric:<{width}}  {value:>14}  {r.unit:<8}  {r.target:<10}  {r.note}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
