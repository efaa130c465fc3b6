"""PNG charts for the eval reports, drawn with matplotlib's Agg backend (files only, no display): case
outcomes per suite, quality metrics, latency distribution, tokens and cost per turn, and the change since
the previous run; for `eval answers`, coverage and citations per language and the latency distribution.
Each function returns the files it wrote; a chart with nothing to show is not drawn."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: reports are written on servers and in CI, never shown
import matplotlib.pyplot as plt  # noqa: E402

OUTCOMES = (("passed", "#54a24b"), ("failed", "#f58518"), ("breach", "#e45756"), ("known gap", "#b279a2"),
            ("tool missing", "#9d9d9d"))


def _save(fig: Any, path: Path) -> Path:  # noqa: ANN401 - matplotlib Figure
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def outcome_of(case: dict[str, Any]) -> str:
    if case.get("tool_missing"):
        return "tool missing"
    if case.get("breaches"):
        return "known gap" if case.get("known_breach") else "breach"
    return "passed" if case["passed"] else "failed"


def suite_outcomes(path: Path, suites: dict[str, Any]) -> list[Path]:
    """Stacked bars: per suite, how many cases passed, failed a quality check, breached, are known gaps or
    lacked a tool."""
    names = [n for n, s in suites.items() if s["cases"]]
    if not names:
        return []
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    bottom = [0] * len(names)
    for label, colour in OUTCOMES:
        counts = [sum(outcome_of(c) == label for c in suites[n]["cases"]) for n in names]
        if any(counts):
            ax.bar(names, counts, bottom=bottom, color=colour, label=label)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_ylabel("cases")
    ax.set_title("Case outcomes per suite")
    ax.legend(fontsize=8)
    return [_save(fig, path)]


def grouped_bars(path: Path, groups: dict[str, dict[str, float]], title: str, ylim: float | None = 1.05
                 ) -> list[Path]:
    """One cluster per group (suite or language), one bar per metric."""
    groups = {g: m for g, m in groups.items() if m}
    metrics = list(dict.fromkeys(k for m in groups.values() for k in m))
    if not metrics:
        return []
    fig, ax = plt.subplots(figsize=(min(11.0, 4.0 + 1.6 * len(groups)), 3.8))
    width = 0.8 / len(metrics)
    for i, metric in enumerate(metrics):
        xs = [g + i * width for g in range(len(groups))]
        ax.bar(xs, [m.get(metric, 0) or 0 for m in groups.values()], width, label=metric)
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], list(groups))
    if ylim:
        ax.set_ylim(0, ylim)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # outside: bars reach 1.0
    return [_save(fig, path)]


def latency(path: Path, seconds: dict[str, Sequence[float]], title: str) -> list[Path]:
    """Histogram of seconds per turn, one series per group."""
    seconds = {g: [s for s in v if s] for g, v in seconds.items()}
    seconds = {g: v for g, v in seconds.items() if v}
    if not seconds:
        return []
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(list(seconds.values()), bins=20, label=list(seconds), stacked=True)
    ax.set_xlabel("seconds per turn")
    ax.set_ylabel("turns")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return [_save(fig, path)]


def per_turn_cost(path: Path, rows: dict[str, tuple[float | None, float | None]], currency: str) -> list[Path]:
    """Tokens and cost per turn side by side, per group."""
    rows = {g: v for g, v in rows.items() if v[0] is not None}
    if not rows:
        return []
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.bar(list(rows), [t or 0 for t, _ in rows.values()], color="#4c78a8")
    left.set_title("tokens per turn")
    costs = [c or 0 for _, c in rows.values()]
    right.bar(list(rows), costs, color="#f58518")
    right.set_ylim(0, max(costs) * 1.15 or 1)
    right.set_title(f"cost per turn ({currency})" + ("" if any(costs) else ": no price set for this model"))
    for ax in (left, right):
        ax.tick_params(axis="x", labelrotation=30)
    return [_save(fig, path)]


def comparison(path: Path, rows: list[dict[str, Any]], title: str) -> list[Path]:
    """Previous against current for every metric that changed (one subplot each, so scales stay honest)."""
    rows = [r for r in rows if isinstance(r["previous"], int | float) and isinstance(r["current"], int | float)]
    if not rows:
        return []
    # quality and safety changes first: latency moves on every run of a shared machine
    rows = sorted(rows, key=lambda r: r["metric"] in ("p50_s", "p95_s"))
    if len(rows) > 12:
        title += f" (12 of {len(rows)} changes; all are in the report)"
        rows = rows[:12]
    cols = min(4, len(rows))
    nrows = (len(rows) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(2.6 * cols, 2.4 * nrows), squeeze=False)
    for ax, r in zip(axes.flat, rows, strict=False):
        ax.bar(["previous", "current"], [r["previous"], r["current"]],
               color=["#9d9d9d", "#e45756" if r["worse"] else "#54a24b"])
        ax.set_title(f"{r.get('suite') or r.get('group')}\n{r['metric']}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(rows):]:
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    return [_save(fig, path)]
