"""`salesagent kb …` and `salesagent eval retrieval`, in-process against a temporary data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.retrieval.conftest import CORPUS, write_tree


@pytest.fixture
def env(tmp_path: Path, monkeypatch):  # noqa: ANN201
    monkeypatch.setenv("SALESAGENT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SALESAGENT_LLM_PROVIDER", "scripted")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_kb_ingest_summary_then_search_text_and_json(env: Path):
    docs = write_tree(env / "docs", {**CORPUS, "blob.md": b"\x00\x01\x02\x03" * 64})
    first = run("kb", "ingest", str(docs))
    assert first.exit_code == 0, first.output
    assert "4 added, 0 updated, 0 removed, 0 unchanged, 1 skipped" in first.output
    assert "blob.md" in first.output
    again = run("kb", "ingest", str(docs))
    assert "0 added, 0 updated, 0 removed, 4 unchanged" in again.output and "0 chunks embedded" in again.output

    text = run("kb", "search", "Pro edition price", "--k", "2")
    assert text.exit_code == 0 and text.output.startswith("1. en/pricing.md — ") and "(chunk score " in text.output
    hits = json.loads(run("kb", "search", "专业版多少钱", "--k", "3", "--json").output)
    assert len(hits) == 3 and hits[0]["source"] == "en/pricing.md"
    assert {"chunk_id", "text", "source", "heading", "score", "audience"} <= set(hits[0])
    assert run("kb", "search", "?!?", "--json").output.strip() == "[]"


def test_kb_ingest_named_internal_collection_is_invisible_to_customers(env: Path):
    docs = write_tree(env / "secret", {"plan.md": "# Territory plan\n\nOur Q3 focus is logistics in APAC.\n"})
    r = run("kb", "ingest", str(docs), "--audience", "internal", "--collection", "kb_plans")
    assert r.exit_code == 0, r.output
    internal = json.loads(run("kb", "search", "Q3 territory focus", "--audience", "internal", "--json").output)
    assert internal and internal[0]["source"] == "plan.md"
    public = json.loads(run("kb", "search", "Q3 territory focus", "--json").output)
    assert all(h["source"] != "plan.md" for h in public)


def test_kb_bad_input_is_a_clear_error(env: Path):
    missing = run("kb", "ingest", str(env / "nope"))
    assert missing.exit_code == 2 and "not a folder" in missing.output
    (env / "d").mkdir()
    bad = run("kb", "ingest", str(env / "d"), "--audience", "secret")
    assert bad.exit_code == 2 and "unknown audience" in bad.output


def test_eval_retrieval_prints_metrics_and_json(env: Path):
    corpus = write_tree(env / "corpus", CORPUS)
    questions = env / "q.jsonl"
    lines = [
        {"id": "en-1", "lang": "en", "question": "How much is Pro per user?", "gold": ["en/pricing.md"], "kind": "pricing"},
        {"id": "zh-1", "lang": "zh", "question": "试用期多长？", "gold": ["zh/trial.md"], "kind": "factual"},
        {"id": "zh-2", "lang": "zh", "question": "专业版每个用户多少钱", "gold": ["en/pricing.md"], "kind": "pricing"},
        {"id": "en-2", "lang": "en", "question": "Are you HIPAA certified?", "gold": [], "kind": "unanswerable"},
    ]
    questions.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    r = run("eval", "retrieval", "--corpus", str(corpus), "--questions", str(questions), "--k", "3", "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert result["overall"]["questions"] == 4 and result["overall"]["answerable"] == 3
    assert result["overall"]["r@1"] == 1.0 and result["overall"]["mrr"] == 1.0
    assert set(result["by_language"]) == {"en", "zh"} and set(result["by_kind"]) == {"pricing", "factual",
                                                                                      "unanswerable"}
    assert result["by_kind"]["unanswerable"]["r@1"] is None
    assert [c["id"] for c in result["cross_lingual"]] == ["zh-2"]
    assert all(len(q["top"]) <= 3 for q in result["questions"])
    # second run reuses the ingested corpus (cached by content hash) and prints the table
    cached = list((env / "data" / "eval").iterdir())
    table = run("eval", "retrieval", "--corpus", str(corpus), "--questions", str(questions))
    assert table.exit_code == 0 and "overall" in table.output and "R@1" in table.output and "lang zh" in table.output
    assert list((env / "data" / "eval").iterdir()) == cached

    questions.write_text("{not json")
    bad = run("eval", "retrieval", "--corpus", str(corpus), "--questions", str(questions))
    assert bad.exit_code == 2 and "q.jsonl:1" in bad.output
