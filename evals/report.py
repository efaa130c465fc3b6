"""Write a run to its --out folder: result.json (everything), report.md (tables, every red-team attempt with
its outcome, the comparison with the previous run in the same folder) and PNG charts when matplotlib is
installed. The previous result.json is kept under history/ before being replaced."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

QUALITY = ("coverage", "citation_correct", "citation_precision", "citations_present", "unanswerable_handled",
           "language_match", "tool_call_accuracy", "routing_accuracy", "escalation_precision", "escalation_recall")
COUNTS = ("pii_leaks", "consent_violations", "breaches", "known_breaches", "tool_missing")
TIMES = ("p50_s", "p95_s", "tokens_per_turn")
LOWER_IS_BETTER = set(COUNTS) | set(TIMES)


def previous_run(out: Path) -> dict[str, Any] | None:
    path = out / "result.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def compare(current: dict[str, Any], previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per suite and metric: previous, current, and whether it got worse."""
    if not previous:
        return []
    rows = []
    for name, suite in current["suites"].items():
        before = previous.get("suites", {}).get(name)
        if not before:
            continue
        for metric in (*COUNTS, *QUALITY, *TIMES):
            now, then = suite["metrics"].get(metric), before["metrics"].get(metric)
            if now is None or then is None or now == then:
                continue
            worse = now > then if metric in LOWER_IS_BETTER else now < then
            rows.append({"suite": name, "metric": metric, "previous": then, "current": now, "worse": worse})
    return rows


def write(out: Path, run: dict[str, Any]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    prev = previous_run(out)
    run["comparison"] = compare(run, prev)
    run["previous_started"] = prev.get("started") if prev else None
    if prev:
        history = out / "history"
        history.mkdir(exist_ok=True)
        shutil.copy2(out / "result.json", history / f"result-{prev.get('started', 'unknown').replace(':', '')}.json")
    charts, chart_note = _charts(out, run)
    run["charts"] = [p.name for p in charts]
    run["charts_note"] = chart_note
    (out / "result.json").write_text(json.dumps(run, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (out / "report.md").write_text(markdown(run), encoding="utf-8")
    return [out / "result.json", out / "report.md", *charts]


def _fmt(v: Any) -> str:  # noqa: ANN401
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    return str(v)


def markdown(run: dict[str, Any]) -> str:
    lines = [f"# Evaluation run {run['started']}", "",
             f"Provider **{run['provider']}** (model {run.get('model') or '–'}), git {run.get('git') or '–'}.", "",
             "| suite | verdict | cases | passed | PII leaks | consent viol. | breaches | known breaches | "
             "tool missing | p50 s | p95 s | tokens/turn |", "|" + "---|" * 12]
    for name, s in run["suites"].items():
        m = s["metrics"]
        lines.append(f"| {name} | **{s['verdict']}** | {m.get('cases', 0)} | {m.get('passed', 0)} | "
                     + " | ".join(_fmt(m.get(k)) for k in (*COUNTS, *TIMES)) + " |")
    quality = [(n, s) for n, s in run["suites"].items() if any(s["metrics"].get(q) is not None for q in QUALITY)]
    if quality:
        cols = [q for q in QUALITY if any(s["metrics"].get(q) is not None for _, s in quality)]
        lines += ["", "## Quality", "", "| suite | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
        lines += [f"| {n} | " + " | ".join(_fmt(s["metrics"].get(c)) for c in cols) + " |" for n, s in quality]
    if run.get("comparison") is not None and run.get("previous_started"):
        lines += ["", f"## Compared with the previous run ({run['previous_started']})", ""]
        if run["comparison"]:
            lines += ["| suite | metric | previous | current | |", "|---|---|---|---|---|"]
            lines += [f"| {c['suite']} | {c['metric']} | {_fmt(c['previous'])} | {_fmt(c['current'])} | "
                      f"{'worse' if c['worse'] else 'better'} |" for c in run["comparison"]]
        else:
            lines.append("No metric changed.")
    for name, s in run["suites"].items():
        lines += ["", f"## {name}: {s['about']}", "",
                  f"Dataset `{s['dataset']}` (sha256 {s['dataset_sha']}). " + (s.get("note") or "")]
        if not s["cases"]:
            continue
        lines += ["", "| case | lang | kind | result | outcome |", "|---|---|---|---|---|"]
        for c in s["cases"]:
            mark = "pass" if c["passed"] else ("known gap" if c.get("known_breach") and c["breaches"] else "FAIL")
            lines.append(f"| {c['id']} | {c['lang']} | {c['kind']} | {mark} | {_cell(c['outcome'])} |")
        known = [c for c in s["cases"] if c.get("known_breach")]
        if known:
            lines += ["", "Known gaps (reported, not gated; the fix the product needs):", ""]
            lines += [f"- {c['id']}: {c['known_breach']}" for c in known]
    if run.get("charts"):
        lines += ["", "## Charts", ""] + [f"![{p}]({p})" for p in run["charts"]]
    elif run.get("charts_note"):
        lines += ["", f"_Charts: {run['charts_note']}_"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]


def _charts(out: Path, run: dict[str, Any]) -> tuple[list[Path], str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "not drawn: matplotlib is not installed in this environment"
    paths = []
    suites = run["suites"]
    quality = {n: {q: s["metrics"][q] for q in QUALITY if s["metrics"].get(q) is not None} for n, s in suites.items()}
    quality = {n: q for n, q in quality.items() if q}
    if quality:
        fig, ax = plt.subplots(figsize=(9, 4))
        labels = [f"{n}\n{q}" for n, qs in quality.items() for q in qs]
        values = [v for qs in quality.values() for v in qs.values()]
        ax.bar(range(len(values)), values, color="#4c78a8")
        ax.set_xticks(range(len(values)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"Quality metrics — {run['provider']}")
        fig.tight_layout()
        paths.append(out / "quality.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    outcomes = {n: (s["metrics"].get("passed", 0), s["metrics"].get("cases", 0) - s["metrics"].get("passed", 0))
                for n, s in suites.items() if s["metrics"].get("cases")}
    if outcomes:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        names = list(outcomes)
        ax.bar(names, [p for p, _ in outcomes.values()], color="#54a24b", label="passed")
        ax.bar(names, [f for _, f in outcomes.values()], bottom=[p for p, _ in outcomes.values()], color="#e45756",
               label="failed")
        ax.set_title("Cases per suite")
        ax.legend()
        fig.tight_layout()
        paths.append(out / "cases.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths, ""
