"""Fit the conversation history into the model's window: keep the newest messages that fit."""

from __future__ import annotations

from langchain.agents.middleware import ModelRequest, wrap_model_call
from langchain_core.messages import BaseMessage

from retrieval.tokens import count_tokens


def trim_history(*, budget: int):  # noqa: ANN201 - AgentMiddleware
    @wrap_model_call
    def _trim_history(request: ModelRequest, handler):  # noqa: ANN001, ANN202
        kept: list[BaseMessage] = []
        used = 0
        for msg in reversed(request.messages):
            used += count_tokens(str(msg.content)) + 4
            if kept and used > budget:
                break
            kept.append(msg)
        kept.reverse()
        while len(kept) > 1 and kept[0].type == "tool":  # never start on a tool result without its call
            kept.pop(0)
        return handler(request.override(messages=kept))

    return _trim_history
