"""The embedded model answering typical customer questions about the demo docs, through the whole runner
with SSE streaming: time to the model's first token, to the first streamed text (a checked sentence) and to
the full reply, p50/p95, and tokens per turn
(tiktoken counts of prompt and completion, every model call of the turn).

    SALESAGENT_BENCH_MODEL=qwen2.5-0.5b python -m evals.bench local_model   # default qwen2.5-1.5b
    SALESAGENT_BENCH_QUESTIONS=5 …                                          # fewer questions (default 20)
"""

from __future__ import annotations

import os
import time

from agent.types import Inbound
from evals.bench import Row
from evals.bench.common import percentile, seeded_container

QUESTIONS = [
    "How much is the Pro edition?", "Is there a free trial?", "Do you support single sign-on?",
    "Can I deploy on-premises?", "What payment methods do you accept?", "How do I cancel my subscription?",
    "Which integrations do you have?", "What is the API rate limit?", "What does the AI Insights add-on cost?",
    "Where is my data stored?", "What is your support SLA for Enterprise?", "Do you offer discounts for nonprofits?",
    "What happens to my data if I cancel?", "Is the product SOC 2 certified?", "How many events can I send per month?",
    "专业版多少钱？", "可以私有化部署吗？", "支持哪些支付方式？", "有免费试用吗？", "你们的数据存放在哪里？",
]


def _time_first_token(chat: object) -> list[float | None]:
    """Notes when the model's first streamed chunk of a turn arrives (prompt read, first token generated),
    by wrapping `_stream` on the instance the runner already holds. The runner shows text a checked sentence
    at a time, so "first text" also includes generating and checking that first sentence."""
    first: list[float | None] = [None]
    inner = chat._stream  # noqa: SLF001

    def _stream(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        for chunk in inner(*args, **kwargs):
            if first[0] is None:
                first[0] = time.perf_counter()
            yield chunk

    object.__setattr__(chat, "_stream", _stream)  # a pydantic model: plain setattr refuses unknown names
    return first


def run() -> list[Row]:
    model = os.environ.get("SALESAGENT_BENCH_MODEL", "qwen2.5-1.5b")
    questions = QUESTIONS[:int(os.environ.get("SALESAGENT_BENCH_QUESTIONS", len(QUESTIONS)))]
    c = seeded_container(llm_provider="local", llm_model=model, llm_context=4096, llm_max_tokens=256,
                         llm_timeout_s=300, llm_fallbacks=[])
    rows: list[Row] = []
    try:
        t = time.perf_counter()
        c.model  # noqa: B018 - starts the embedded model server
        rows.append(Row("local_model", "server start", time.perf_counter() - t, "s", "", c.model.name))
        # each language's shared system-prompt prefix enters the server's prompt cache, as on a server that has
        # answered a customer in each (the first Chinese question otherwise pays for the Chinese template too)
        for greeting in ("Hello!", "你好！"):
            list(c.runner.stream(Inbound(f"warm-{greeting}", greeting)))
        token_at = _time_first_token(c.model.chat)
        first, first_token, total, tokens_in, tokens_out, statuses = [], [], [], [], [], []
        for i, q in enumerate(questions):
            conversation = f"local-{i}"
            t = time.perf_counter()
            seen, token_at[0] = None, None
            for event in c.runner.stream(Inbound(conversation, q)):
                if seen is None and event["type"] in ("delta", "reply"):
                    seen = time.perf_counter() - t
                if event["type"] == "reply":
                    statuses.append(event["status"])
            total.append(time.perf_counter() - t)
            first.append(seen if seen is not None else total[-1])
            first_token.append((token_at[0] or time.perf_counter()) - t)
            usage = c.usage.conversation(conversation).get(c.model.name)
            tokens_in.append(usage.input_tokens if usage else 0)
            tokens_out.append(usage.output_tokens if usage else 0)
    finally:
        c.close()
    n = len(questions)
    note = f"{model}, {n} questions, threads={os.cpu_count()}"
    by_status = ", ".join(f"{s}={statuses.count(s)}" for s in sorted(set(statuses)))
    return rows + [
        Row("local_model", "first model token p50", percentile(first_token, 50), "s", "", note),
        Row("local_model", "first model token p95", percentile(first_token, 95), "s", "≤ 3 (aim)", note),
        Row("local_model", "first text p50", percentile(first, 50), "s", "", "a checked sentence: " + note),
        Row("local_model", "first text p95", percentile(first, 95), "s", "", "a checked sentence: " + note),
        Row("local_model", "total p50", percentile(total, 50), "s", "", note),
        Row("local_model", "total p95", percentile(total, 95), "s", "", note),
        Row("local_model", "prompt tokens/turn p50", percentile(tokens_in, 50), "tok", "", "tiktoken cl100k"),
        Row("local_model", "completion tokens/turn p50", percentile(tokens_out, 50), "tok", "", "tiktoken cl100k"),
        Row("local_model", "replies", by_status, "", "", note),
    ]
