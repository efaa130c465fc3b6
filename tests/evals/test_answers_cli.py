"""`salesagent eval answers`: a corpus is ingested into a fresh app and each question is asked as a web
customer through the real runner (scripted model: it answers extractively from the retrieved sources)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli

DOCS = {
    "en/pricing.md": "---\ntitle: Pricing\nlang: en\n---\n\n# Pricing\n\nThe Team plan costs $12 per seat per month, "
                     "billed annually.\n\n# Support\n\nTickets are answered within 8 hours on business days.\n",
    "zh/pricing.md": "---\ntitle: 价格\nlang: zh\n---\n\n# 价格\n\n团队版每个席位每月 ¥80，按年付费。\n",
}
QUESTIONS = [
    {"id": "q-en-1", "lang": "en", "question": "How much is the Team plan per seat?", "gold": ["en/pricing.md"],
     "answer_facts": ["$12"], "kind": "pricing"},
    {"id": "q-zh-1", "lang": "zh", "question": "团队版每个席位多少钱？", "gold": ["zh/pricing.md"],
     "answer_facts": ["¥80"], "kind": "pricing"},
    {"id": "q-en-2", "lang": "en", "question": "Do you have a FedRAMP authorisation?", "gold": [],
     "answer_facts": [], "kind": "unanswerable"},
]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESAGENT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, ["eval", "answers", *args], catch_exceptions=False)


def test_a_missing_corpus_is_skipped_with_a_message(env):
    result = run("--corpus", str(env / "absent"), "--questions", str(env / "q.jsonl"), "--provider", "scripted")
    assert result.exit_code == 0
    assert "skipped" in result.output and "absent" in result.output


def test_a_bad_question_file_is_a_clear_error(env):
    (env / "corpus").mkdir()
    (env / "q.jsonl").write_text('{"id": 1}\n')
    result = run("--corpus", str(env / "corpus"), "--questions", str(env / "q.jsonl"), "--provider", "scripted")
    assert result.exit_code == 2 and "q.jsonl:1" in result.output


def test_answers_are_scored_per_language_through_the_runner(env):
    corpus = env / "corpus"
    for rel, text in DOCS.items():
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text(text, encoding="utf-8")
    (env / "q.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS),
                                 encoding="utf-8")
    result = run("--corpus", str(corpus), "--questions", str(env / "q.jsonl"), "--provider", "scripted",
                 "--out", str(env / "out.json"), "--cache-dir", str(env / "cache"))
    assert result.exit_code == 0, result.output
    out = json.loads((env / "out.json").read_text(encoding="utf-8"))
    rows = {r["id"]: r for r in out["questions"]}
    assert rows["q-en-1"]["status"] == "sent" and rows["q-en-1"]["coverage"] == 1.0
    assert rows["q-en-1"]["cited_sources"] == ["en/pricing.md"] and rows["q-en-1"]["citation_correct"]
    assert rows["q-zh-1"]["language_match"] and rows["q-zh-1"]["coverage"] == 1.0
    assert set(out["by_language"]) == {"en", "zh"}
    assert out["overall"]["questions"] == 3 and out["overall"]["unanswerable"] == 1
    assert out["overall"]["p50_s"] is not None
    # the second run reuses the ingested corpus (cached by content hash)
    assert len(list((env / "cache").glob("kb-*"))) == 1
    again = run("--corpus", str(corpus), "--questions", str(env / "q.jsonl"), "--provider", "scripted", "--limit",
                "1", "--cache-dir", str(env / "cache"))
    assert again.exit_code == 0 and "subset" in again.output
    assert len(list((env / "cache").glob("kb-*"))) == 1
