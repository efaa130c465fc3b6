"""Fit the conversation history into the model's window: keep the newest messages that fit.

The budget is what the model's window leaves after the answer's reserve, the system prompt (with its
sources) and the tool schemas of this very request, so it follows whichever model serves the call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain.agents.middleware import ModelRequest, wrap_model_call
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.budget import TokenBudget, message_tokens
from retrieval.tokens import count_tokens

_SCHEMA_TOKENS: dict[int, tuple[BaseTool, int]] = {}  # id → (the tool, kept alive so the id stays its own; tokens)


def schema_tokens(tool: BaseTool | dict[str, Any]) -> int:
    """Tokens of one tool's schema as the model receives it. Memoised per tool object: the same tools are
    offered every turn, and converting them to the wire format cost more than the rest of the trimming.
    A dict schema may be edited in place, so it is counted every time."""
    if isinstance(tool, BaseTool) and (hit := _SCHEMA_TOKENS.get(id(tool))) is not None and hit[0] is tool:
        return hit[1]
    n = count_tokens(json.dumps(convert_to_openai_tool(tool), ensure_ascii=False))
    if isinstance(tool, BaseTool):
        if len(_SCHEMA_TOKENS) >= 1024:  # tools are built once per runner; this only bounds a pathological caller
            _SCHEMA_TOKENS.clear()
        _SCHEMA_TOKENS[id(tool)] = (tool, n)
    return n


def request_overhead(request: ModelRequest) -> int:
    """Tokens of everything in a request except its messages: system prompt and tool schemas."""
    system = message_tokens(request.system_message.content) if request.system_message else 0
    return system + sum(schema_tokens(t) for t in request.tools)


def keep_newest(messages: list[BaseMessage], budget: int) -> list[BaseMessage]:
    kept: list[BaseMessage] = []
    used = 0
    for msg in reversed(messages):
        used += message_tokens(msg.content)
        if kept and used > budget:
            break
        kept.append(msg)  # the newest message always stays, even alone over budget
    kept.reverse()
    while len(kept) > 1 and kept[0].type == "tool":  # never start on a tool result without its call
        kept.pop(0)
    return kept


def trim_history(*, budget_for: Callable[[BaseChatModel], TokenBudget], cap: int = 0):  # noqa: ANN201
    """`budget_for(model)` gives the serving model's window; `cap` > 0 limits history further."""

    @wrap_model_call
    def _trim_history(request: ModelRequest, handler):  # noqa: ANN001, ANN202
        budget = budget_for(request.model).history(request_overhead(request))
        if cap:
            budget = min(budget, cap)
        return handler(request.override(messages=keep_newest(request.messages, budget)))

    return _trim_history
