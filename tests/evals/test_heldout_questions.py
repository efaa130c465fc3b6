"""The held-out retrieval questions stay usable and stay held out: every line loads, both languages are
there, and no gold page is one the dev questions use (else tuning on the dev set would leak into it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evals.retrieval.runner import load_questions

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "evals" / "datasets" / "databend_heldout.v1.jsonl"
# where `make eval` looks for it (evals/run_all.py): next to the repository unless the variable says otherwise
CORPUS = Path(os.environ.get("SALESAGENT_EVAL_CORPUS", ROOT.parent / "shared" / "corpus" / "databend"))


def test_heldout_questions_load_with_gold_in_both_languages() -> None:
    qs = load_questions(HELDOUT)
    assert len(qs) >= 30
    assert {q.lang for q in qs} == {"en", "zh"}
    assert all(q.gold for q in qs)
    assert len({q.id for q in qs}) == len(qs)
    assert any(all(not g.startswith(f"{q.lang}/") for g in q.gold) for q in qs if q.lang == "en")
    assert any(all(not g.startswith(f"{q.lang}/") for g in q.gold) for q in qs if q.lang == "zh")


@pytest.mark.skipif(not (CORPUS / "dev_questions.jsonl").is_file(), reason="Databend corpus absent")
def test_heldout_gold_pages_exist_and_are_not_dev_pages() -> None:
    def page(path: str) -> str:
        return path.split("/", 1)[1]  # the same page in either language

    dev = {page(g) for line in (CORPUS / "dev_questions.jsonl").read_text().splitlines() if line.strip()
           for g in json.loads(line)["gold"]}
    for q in load_questions(HELDOUT):
        for g in q.gold:
            assert (CORPUS / g).is_file(), (q.id, g)
            assert page(g) not in dev, (q.id, g)
