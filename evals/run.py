"""Run suites through the real runner and write the report: `salesagent eval run SUITE ...` and
`python -m evals.run_all` (make eval) both come here."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.harness import demo_kb_template, host_load
from evals.suites import SUITES
from evals.summary import summarise, verdict


def git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def run_suites(names: list[str], provider: str, *, cache_dir: Path, settings: dict[str, Any] | None = None,
               log: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise ValueError(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
    template = demo_kb_template(cache_dir)
    run: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "provider": provider, "git": git_head(),
                           "model": _model_name(provider, settings), "suites": {}}
    for name in names:
        suite = SUITES[name]
        log(f"suite {name} ({provider})")
        started = time.perf_counter()
        if provider not in suite.providers:
            ds, results, note = None, [], f"skipped: this suite needs the {' or '.join(suite.providers)} provider"
        else:
            ds, results = suite.runner()(provider, template, settings)
            note = "" if results or ds.rows else "no cases ran"
        metrics = summarise(results)
        run.setdefault("host", []).append({"suite": name, **host_load()})
        run["suites"][name] = {
            "about": suite.about, "dataset": ds.path.name if ds else "–", "dataset_sha": ds.sha if ds else "–",
            "verdict": verdict(metrics, bool(results)), "metrics": metrics, "note": note,
            "seconds": round(time.perf_counter() - started, 1), "cases": [r.as_dict() for r in results]}
    return run


def _model_name(provider: str, settings: dict[str, Any] | None) -> str:
    from app.settings import Settings

    if provider == "scripted":
        return "scripted"
    return str(Settings(**(settings or {})).llm_model)
