"""Per-turn overhead with a zero-latency scripted model: everything except generation (identity, consent,
retrieval, guardrails, prompt building, token accounting, checkpoints, verification, persistence).
The embedded model's own numbers are `python -m evals.bench local_model`."""

from __future__ import annotations

import time

from agent.types import Inbound
from evals.bench import Row
from evals.bench.common import percentile, seeded_container

QUESTIONS = ["How much is the Pro edition?", "Do you support SSO?", "专业版多少钱？", "What integrations do you have?",
             "Can I deploy on-premises?"]
TURNS = 100


def run() -> list[Row]:
    c = seeded_container()
    try:
        for q in QUESTIONS:  # warm-up: models, indexes, first queries
            c.runner.handle(Inbound("warm", q))
        times = []
        for i in range(TURNS):
            t = time.perf_counter()
            c.runner.handle(Inbound(f"b-{i % 10}", QUESTIONS[i % len(QUESTIONS)]))
            times.append((time.perf_counter() - t) * 1000)
    finally:
        c.close()
    note = f"scripted model, {TURNS} turns over 10 conversations"
    return [Row("turn_overhead", "p50", percentile(times, 50), "ms", "", note),
            Row("turn_overhead", "p95", percentile(times, 95), "ms", "≤ 25", note)]
