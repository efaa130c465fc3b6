"""Grounded QA over any corpus: ingest it with the product's knowledge base, ask each question as a web
customer through the real runner, and score what the customer saw.

Question lines (the `dev_questions.jsonl` format): {"id", "lang", "question", "gold": [corpus-relative
paths], "answer_facts": [strings or numbers], "kind"}; an empty `gold` marks an unanswerable question.

Per question:
- `coverage`: share of answer_facts present in the reply the customer saw (evals/scoring.py says how text
  is normalised). A reply held for review shows the customer a holding message, so it covers nothing;
  `draft_coverage` scores the held draft instead, to separate the model from the verifier.
- `cited`: the reply carries at least one citation; `citation_correct`: at least one cited source is in
  gold; `citation_precision`: the share of cited sources that are in gold (answerable questions only).
- `handled` (unanswerable only): the customer saw an honest "don't know" plus an offer of a person in
  a sent reply, or the runner handed the conversation to a person (status handoff, whose message says
  so). A reply held for review counts only if the held draft itself is honest and offers a person: a
  held invention is not handled, it is caught.
- `language_match`: the visible reply is in the question's language (Han share of letters ≥ 20 % = zh).
- `seconds`: wall time of Runner.handle; `tokens` and `cost`: the product's own usage accounting
  (agent/usage.py: tiktoken counts for every provider, priced by settings.llm_prices; unpriced models cost 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.types import Inbound
from evals.harness import App, Turn, host_load, kb_template
from evals.retrieval.runner import CORPUS_META, read_question_lines
from evals.scoring import coverage, honest_unknown, language_of, mean, offers_human, percentile


@dataclass(frozen=True)
class AnswerQuestion:
    id: str
    lang: str
    question: str
    gold: tuple[str, ...]
    facts: tuple[str, ...]
    kind: str

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def load_answer_questions(path: Path) -> list[AnswerQuestion]:
    rows = read_question_lines(path, lambda d: AnswerQuestion(
        str(d["id"]), str(d.get("lang", "")), str(d["question"]), tuple(d.get("gold") or ()),
        tuple(str(f) for f in d.get("answer_facts") or ()), str(d.get("kind", ""))))
    if not rows:
        raise ValueError(f"{path}: no questions")
    return rows


def score_turn(q: AnswerQuestion, turn: Turn) -> dict[str, Any]:
    reply = turn.reply
    visible = reply.text if reply.status == "sent" else ""
    sources = [c.get("source", "") for c in reply.citations]
    row: dict[str, Any] = {"id": q.id, "lang": q.lang, "kind": q.kind, "answerable": q.answerable,
                           "status": reply.status, "reasons": reply.reasons, "reply": reply.text,
                           "draft": turn.draft if turn.draft != reply.text else "", "cited_sources": sources,
                           "seconds": round(turn.seconds, 3), "tokens": turn.tokens, "cost": turn.cost,
                           "language_match": language_of(reply.text) == q.lang}
    if q.answerable:
        gold = set(q.gold)
        row.update({"facts": list(q.facts), "coverage": coverage(q.facts, visible),
                    "draft_coverage": coverage(q.facts, turn.draft), "cited": bool(sources),
                    "citation_correct": bool(gold & set(sources)),
                    "citation_precision": (sum(s in gold for s in sources) / len(sources)) if sources else None})
    else:
        draft_ok = honest_unknown(turn.draft) and offers_human(turn.draft)
        row.update({"honest": honest_unknown(reply.text) or honest_unknown(turn.draft),
                    "offers_human": offers_human(reply.text) or offers_human(turn.draft),
                    "handled": (reply.status == "sent" and honest_unknown(reply.text) and offers_human(reply.text))
                    or reply.status == "handoff" or (reply.status == "pending_review" and draft_ok)})
    return row


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    secs = [r["seconds"] for r in rows]
    counted = [r for r in rows if r["tokens"].get("total_tokens")]
    toks = [r["tokens"]["total_tokens"] for r in counted]
    statuses: dict[str, int] = defaultdict(int)
    for r in rows:
        statuses[r["status"]] += 1
    return {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "coverage": mean(r["coverage"] for r in ans),
        "draft_coverage": mean(r["draft_coverage"] for r in ans),
        "citations_present": mean(float(r["cited"]) for r in ans),
        "citation_correct": mean(float(r["citation_correct"]) for r in ans),
        "citation_precision": mean(r["citation_precision"] for r in ans),
        "unanswerable_handled": mean(float(r["handled"]) for r in una),
        "unanswerable_handled_n": f"{sum(r['handled'] for r in una)}/{len(una)}",
        "language_match": mean(float(r["language_match"]) for r in rows),
        "p50_s": _round(percentile(secs, 50)), "p95_s": _round(percentile(secs, 95)),
        "tokens_per_answer": _round(sum(toks) / len(toks)) if toks else None,
        "cost_per_answer": round(sum(r.get("cost") or 0.0 for r in counted) / len(counted), 8) if counted else None,
        "status": dict(sorted(statuses.items())),
    }


def _round(x: float | None) -> float | None:
    return round(x, 3) if x is not None else None


def grouped(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r[key] or "?"].append(r)
    return {name: aggregate(g) for name, g in sorted(groups.items())}


def evaluate_answers(corpus: Path, questions: list[AnswerQuestion], *, provider: str, cache_dir: Path,
                     exclude: tuple[str, ...] = CORPUS_META, settings: dict[str, Any] | None = None,
                     ingest_progress: Callable[[int, int], None] | None = None,
                     on_row: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Ingest (cached by content hash), then one fresh app answers every question, each in its own
    conversation as an anonymous web visitor."""
    template = kb_template(cache_dir, {"public": corpus}, exclude=exclude, progress=ingest_progress)
    rows = []
    load_before = host_load()
    with App(provider, seed_crm=False, kb_template=template, **(settings or {})) as app:
        model, currency = app.c.model.name, app.currency
        for i, q in enumerate(questions):
            turn = app.turn(Inbound(f"eval-{i}-{q.id}", q.question, channel="web", channel_user_id=f"eval-{i}"))
            row = score_turn(q, turn)
            rows.append(row)
            if on_row:
                on_row(row)
    return {"corpus": str(corpus), "provider": provider, "model": model, "currency": currency,
            "host": {"before": load_before, "after": host_load()}, "overall": aggregate(rows),
            "by_language": grouped(rows, "lang"), "by_kind": grouped(rows, "kind"), "questions": rows}
