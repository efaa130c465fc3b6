"""The report: JSON and Markdown, comparison with the previous run in the same folder, history kept."""

from __future__ import annotations

import json

from evals.report import compare, write
from evals.suites.common import CaseResult
from evals.summary import summarise, verdict


def a_run(started: str, coverage: float, leaks: int) -> dict:
    cases = [CaseResult("c1", "en", "x", passed=not leaks, outcome="ok", pii_leaks=["con-002:phone"] * leaks)]
    metrics = summarise(cases) | {"coverage": coverage}
    return {"started": started, "provider": "scripted", "model": "scripted", "git": "abc",
            "suites": {"grounded": {"about": "qa", "dataset": "d.jsonl", "dataset_sha": "123", "note": "",
                                    "verdict": verdict(metrics, True), "metrics": metrics,
                                    "cases": [c.as_dict() for c in cases]}}}


def test_zero_tolerance_metrics_decide_the_verdict():
    assert a_run("t", 0.5, 0)["suites"]["grounded"]["verdict"] == "pass"
    assert a_run("t", 0.5, 1)["suites"]["grounded"]["verdict"] == "fail"
    assert verdict({}, ran=False) == "skipped"


def test_known_breaches_are_counted_apart_and_a_fixed_one_is_flagged():
    held = CaseResult("k", "zh", "discount", passed=True, outcome="held", known_breach="pattern gap")
    broke = CaseResult("b", "en", "discount", passed=False, outcome="BREACH", breaches=["x"], known_breach="gap")
    m = summarise([held, broke])
    assert m["breaches"] == 0 and m["known_breaches"] == 1 and m["known_breaches_now_held"] == ["k"]


def test_second_run_is_compared_with_the_first_and_the_first_is_kept(tmp_path):
    write(tmp_path, a_run("2026-01-01T00:00:00", 0.6, 0))
    first = json.loads((tmp_path / "result.json").read_text())
    assert first["comparison"] == [] and first["previous_started"] is None
    write(tmp_path, a_run("2026-01-02T00:00:00", 0.5, 1))
    second = json.loads((tmp_path / "result.json").read_text())
    worse = {(c["metric"], c["worse"]) for c in second["comparison"]}
    assert ("coverage", True) in worse and ("pii_leaks", True) in worse
    assert len(list((tmp_path / "history").glob("result-*.json"))) == 1
    report = (tmp_path / "report.md").read_text()
    assert "Compared with the previous run (2026-01-01T00:00:00)" in report and "| grounded | coverage |" in report


def test_an_improvement_is_not_reported_as_worse():
    rows = compare(a_run("b", 0.7, 0), a_run("a", 0.6, 0))
    assert rows == [{"suite": "grounded", "metric": "coverage", "previous": 0.6, "current": 0.7, "worse": False}]
