"""Score a PII detector on the labelled sets in evals/data/.

A gold span is caught when predicted spans cover ≥ 80 % of its characters (any type: a phone number
reported as a WeChat id is still not leaked). A predicted span that overlaps no gold span is a false
positive. Recall is per gold type, precision per predicted type, both also per language.

    python -m evals.pii_eval [--set main|heldout] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"
COVER = 0.8

Span = tuple[int, int, str]  # start, end, type
Detector = Callable[[str, str | None], Iterable[Span]]


def load(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dataset(which: str, lang: str) -> list[dict]:
    return load(f"pii_{lang}.jsonl" if which == "main" else f"pii_heldout_{lang}.jsonl")


@dataclass
class Score:
    gold: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    caught: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    predicted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_pos: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        total = sum(self.gold.values())
        return sum(self.caught.values()) / total if total else 1.0

    @property
    def precision(self) -> float:
        total = sum(self.predicted.values())
        return 1 - sum(self.false_pos.values()) / total if total else 1.0

    def recall_of(self, kind: str) -> float:
        return self.caught[kind] / self.gold[kind] if self.gold[kind] else float("nan")

    def precision_of(self, kind: str) -> float:
        return 1 - self.false_pos[kind] / self.predicted[kind] if self.predicted[kind] else float("nan")


def score(rows: list[dict], detect: Detector) -> Score:
    s = Score()
    for row in rows:
        text = row["text"]
        predicted = [(a, b, t) for a, b, t in detect(text, row.get("lang")) if b > a]
        covered = set()
        for a, b, _ in predicted:
            covered.update(range(a, b))
        for g in row["spans"]:
            s.gold[g["type"]] += 1
            inside = sum(1 for i in range(g["start"], g["end"]) if i in covered)
            if inside >= COVER * (g["end"] - g["start"]):
                s.caught[g["type"]] += 1
            else:
                s.misses.append((row["id"], g["type"], text[g["start"]:g["end"]]))
        for a, b, kind in predicted:
            s.predicted[kind] += 1
            if not any(a < g["end"] and g["start"] < b for g in row["spans"]):
                s.false_pos[kind] += 1
                s.errors.append((row["id"], kind, text[a:b]))
    return s


def ours() -> Detector:
    from guardrails.pii.engine import get_scanner

    scanner = get_scanner()
    return lambda text, lang: [(s.start, s.end, s.type) for s in scanner.scan(text, lang)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=["main", "heldout"], default="main")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)
    detect = ours()
    for lang in ("en", "zh"):
        s = score(dataset(args.set, lang), detect)
        print(f"{args.set} {lang}: recall {s.recall:.3f}  precision {s.precision:.3f}  "
              f"({sum(s.gold.values())} gold, {sum(s.predicted.values())} predicted)")
        for kind in sorted(set(s.gold) | set(s.predicted)):
            print(f"   {kind:<15} recall {s.recall_of(kind):.3f} ({s.caught[kind]}/{s.gold[kind]})  "
                  f"precision {s.precision_of(kind):.3f} ({s.predicted[kind] - s.false_pos[kind]}/{s.predicted[kind]})")
        if args.show_errors:
            for rid, kind, value in s.misses:
                print(f"   MISS {rid} {kind}: {value!r}")
            for rid, kind, value in s.errors:
                print(f"   FP   {rid} {kind}: {value!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
