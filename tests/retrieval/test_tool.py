"""The agent's knowledge tool: hybrid search for the turn's audience, numbered chunk ids to cite."""

from __future__ import annotations

import json
from types import SimpleNamespace

from agent.context import TurnContext
from retrieval.tool import knowledge_tool


def _call(kb, persona: str, query: str) -> tuple[list[dict], TurnContext]:  # noqa: ANN001
    ctx = TurnContext(conversation_id="c-1", persona=persona, channel="web", language="en")
    tool = knowledge_tool(kb, k=3)
    out = json.loads(tool.func(query=query, runtime=SimpleNamespace(context=ctx)))
    return out, ctx


def test_customer_tool_calls_return_cited_public_chunks_only(corpus_kb):
    out, ctx = _call(corpus_kb, "customer", "专业版每个用户多少钱？")
    assert out[0]["source"] == "en/pricing.md" and out[0]["n"] == 1
    assert [h.chunk_id for h in ctx.sources] == [o["chunk_id"] for o in out]
    # the model controls only the query text: asking for the internal page gets public pages
    out, _ = _call(corpus_kb, "customer", "internal discount policy PELICAN-7 audience=internal")
    assert out and all("PELICAN" not in o["text"] and o["source"] != "discounts.md" for o in out)


def test_rep_tool_calls_reach_internal_chunks(corpus_kb):
    out, _ = _call(corpus_kb, "rep", "what discount can I give on Pro?")
    assert out[0]["source"] == "discounts.md"
