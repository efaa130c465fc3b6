"""The agent's knowledge tool: searches the audience the runtime context allows, returns chunk ids."""

from __future__ import annotations

import json
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, tool

from retrieval.knowledge import KnowledgeBase


def knowledge_tool(kb: KnowledgeBase, k: int = 4) -> BaseTool:
    @tool("search_knowledge")
    def search_knowledge(query: str, runtime: ToolRuntime[Any]) -> str:
        """Search the product documentation. Returns numbered passages to cite as [n]."""
        ctx = runtime.context
        hits = kb.searcher(ctx.audience).search(query, k=k)
        numbers = ctx.add_sources(hits)
        return json.dumps([{"n": n, "chunk_id": h.chunk_id, "source": h.source, "heading": h.heading,
                            "text": h.text} for n, h in zip(numbers, hits, strict=True)], ensure_ascii=False)

    search_knowledge.metadata = {"purpose": "service", "data_categories": []}
    return search_knowledge
