"""Per-turn overhead with a zero-latency scripted model (everything except generation), and the
embedded model answering the README's curl question."""

from __future__ import annotations

import time

from agent.types import Inbound
from evals.bench import Row
from evals.bench.common import percentile, seeded_container

QUESTIONS = ["How much is the Pro edition?", "Do you support SSO?", "专业版多少钱？", "What integrations do you have?",
             "Can I deploy on-premises?"]


def run() -> list[Row]:
    rows = []
    c = seeded_container()
    for q in QUESTIONS:  # warm-up
        c.runner.handle(Inbound("warm", q))
    times = []
    for i in range(100):
        t = time.perf_counter()
        c.runner.handle(Inbound(f"b-{i % 10}", QUESTIONS[i % len(QUESTIONS)]))
        times.append((time.perf_counter() - t) * 1000)
    c.close()
    rows += [Row("turn_overhead", "p50", percentile(times, 50), "ms", "", "scripted model, 100 turns"),
             Row("turn_overhead", "p95", percentile(times, 95), "ms", "≤ 25", "scripted model, 100 turns")]

    local = seeded_container(llm_provider="local")
    t = time.perf_counter()
    local.model  # noqa: B018 - starts the embedded model server
    rows.append(Row("local_model", "server start", (time.perf_counter() - t), "s", "", local.model.name))
    answers = []
    for i in range(3):
        t = time.perf_counter()
        reply = local.runner.handle(Inbound(f"curl-{i}", "How much is the Pro edition?"))
        answers.append(time.perf_counter() - t)
    local.close()
    rows.append(Row("local_model", "curl question p50", percentile(answers, 50), "s", "",
                    f"3 runs; last reply {reply.status}, {len(reply.citations)} citation(s)"))
    return rows
