"""Tool calls marked risky (`tool.metadata["risky"] = True`) pause the run until a reviewer decides.

LangGraph's interrupt stores the paused run in the checkpointer, so the decision can come from any
process, any time later; the runner turns each interrupt into a review-queue item and resumes the run
with the decision (approve, edit the arguments, or reject with a reason)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain_core.tools import BaseTool


def risky_tool_names(tools: Sequence[BaseTool]) -> list[str]:
    return [t.name for t in tools if (t.metadata or {}).get("risky")]


def _describe(tool_call: dict[str, Any], _state: Any, _runtime: Any) -> str:
    args = json.dumps(tool_call.get("args", {}), ensure_ascii=False, sort_keys=True, default=str)
    return f"The agent wants to run {tool_call.get('name')} with {args}."


def approval_gate(tools: Sequence[BaseTool]) -> HumanInTheLoopMiddleware | None:
    names = risky_tool_names(tools)
    if not names:
        return None
    # per_call: one interrupt (so one queue item and one decision) per gated tool call
    return HumanInTheLoopMiddleware(
        {name: {"allowed_decisions": ["approve", "edit", "reject"], "description": _describe} for name in names},
        interrupt_mode="per_call")
