"""Write an `eval answers` result: FILE.json (every question), FILE.md (overall, per language and kind,
tokens and cost per answer, the change since the previous result at the same path) and PNG charts next to
it (coverage and citations per language, latency distribution, the change since the previous run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.report import fmt

SCORES = ("coverage", "draft_coverage", "citations_present", "citation_correct", "citation_precision",
          "unanswerable_handled", "language_match")
COSTS = ("p50_s", "p95_s", "tokens_per_answer", "cost_per_answer")


def compare(current: dict[str, Any], previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Overall and per language: every score or cost that changed, and whether it got worse."""
    if not previous:
        return []
    groups = {"overall": (current["overall"], previous.get("overall") or {})}
    groups |= {f"lang {k}": (g, (previous.get("by_language") or {}).get(k) or {})
               for k, g in current["by_language"].items()}
    rows = []
    for name, (now, then) in groups.items():
        for metric in (*SCORES, *COSTS):
            a, b = now.get(metric), then.get(metric)
            if a is None or b is None or a == b:
                continue
            rows.append({"group": name, "metric": metric, "previous": b, "current": a,
                         "worse": a > b if metric in COSTS else a < b})
    return rows


def write_answers(out_file: Path, result: dict[str, Any]) -> list[Path]:
    out_file.parent.mkdir(parents=True, exist_ok=True)
    previous = None
    if out_file.exists():
        try:
            previous = json.loads(out_file.read_text(encoding="utf-8"))
        except ValueError:
            previous = None
    result["comparison"] = compare(result, previous)
    result["previous_model"] = previous.get("model") if previous else None
    charts = _charts(out_file, result)
    result["charts"] = [p.name for p in charts]
    out_file.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    md = out_file.with_suffix(".md")
    md.write_text(markdown(result), encoding="utf-8")
    return [out_file, md, *charts]


def markdown(result: dict[str, Any]) -> str:
    cur = result.get("currency") or "USD"
    lines = [f"# eval answers — {result['provider']} ({result['model']})", "",
             f"Corpus `{result['corpus']}`. Tokens are the product's usage accounting; cost per answer in {cur} "
             "from the price table (settings.llm_prices; an unpriced model costs 0).", "",
             "| group | n | " + " | ".join(SCORES) + " | p50 s | p95 s | tokens/answer | cost/answer | status |",
             "|" + "---|" * (len(SCORES) + 7)]
    groups = [("overall", result["overall"])] + [(f"lang {k}", g) for k, g in result["by_language"].items()] + \
        [(f"kind {k}", g) for k, g in result["by_kind"].items()]
    for name, g in groups:
        status = " ".join(f"{k}:{v}" for k, v in g["status"].items())
        lines.append(f"| {name} | {g['questions']} | " + " | ".join(fmt(g.get(k)) for k in (*SCORES, *COSTS))
                     + f" | {status} |")
    if result.get("comparison"):
        lines += ["", f"## Compared with the previous result at this path (model {result.get('previous_model')})",
                  "", "| group | metric | previous | current | |", "|---|---|---|---|---|"]
        lines += [f"| {c['group']} | {c['metric']} | {fmt(c['previous'])} | {fmt(c['current'])} | "
                  f"{'worse' if c['worse'] else 'better'} |" for c in result["comparison"]]
    if result.get("charts"):
        lines += ["", "## Charts", ""] + [f"![{p}]({p})" for p in result["charts"]]
    return "\n".join(lines) + "\n"


def _charts(out_file: Path, result: dict[str, Any]) -> list[Path]:
    try:
        from evals import charts
    except ImportError:
        return []
    stem = out_file.with_suffix("")
    per_lang = {lang: {k: g[k] for k in ("coverage", "citations_present", "citation_correct", "citation_precision")
                       if g.get(k) is not None} for lang, g in result["by_language"].items()}
    seconds: dict[str, list[float]] = {}
    for q in result["questions"]:
        seconds.setdefault(q["lang"] or "?", []).append(q["seconds"])
    return [
        *charts.grouped_bars(Path(f"{stem}-quality.png"), per_lang, "Coverage and citations per language"),
        *charts.latency(Path(f"{stem}-latency.png"), seconds, "Seconds per answer"),
        *charts.comparison(Path(f"{stem}-comparison.png"), result.get("comparison") or [],
                           "Changed since the previous result"),
    ]
