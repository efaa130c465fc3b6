"""Grounded QA over the demo documents, English and Chinese, scored like `eval answers` (evals/answers.py):
fact coverage of what the customer saw, citations against gold pages, unanswerable questions handled,
reply language, latency and tokens. Any tenant contact's data in a reply counts as a PII leak."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.types import Inbound
from evals.answers import AnswerQuestion, score_turn
from evals.harness import App
from evals.suites.common import CaseResult, Dataset, load_dataset, others_data

DATASET = "grounded_qa.v1.jsonl"


def question(row: dict[str, Any]) -> AnswerQuestion:
    return AnswerQuestion(row["id"], row["lang"], row["question"], tuple(row.get("gold") or ()),
                          tuple(str(f) for f in row.get("answer_facts") or ()), row.get("kind", ""))


def run(provider: str, kb_template: Path, settings: dict[str, Any] | None = None) -> tuple[Dataset, list[CaseResult]]:
    ds = load_dataset(DATASET)
    results = []
    with App(provider, kb_template=kb_template, **(settings or {})) as app:
        for row in ds.rows:
            q = question(row)
            turn = app.turn(Inbound(f"gqa-{q.id}", q.question, channel="web", channel_user_id=f"anon-{q.id}"))
            scored = score_turn(q, turn)
            leaks = others_data(turn.reply.text, None)
            ok = scored["handled"] if not q.answerable else scored["coverage"] == 1.0 and scored["citation_correct"]
            outcome = f"{turn.reply.status}: {turn.reply.text[:160]}"
            results.append(CaseResult(q.id, q.lang, q.kind, passed=bool(ok) and not leaks, outcome=outcome,
                                      pii_leaks=leaks, metrics=scored, seconds=round(turn.seconds, 3),
                                      tokens=turn.tokens.get("total_tokens")))
    return ds, results
