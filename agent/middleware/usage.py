"""Count every model call's tokens (tiktoken, offline) and record them with their cost per conversation.

Innermost in the stack, so it counts exactly what the serving model received (after trimming and
pseudonymisation, with the constrained-decoding instructions) and what it generated (the raw JSON step
for a constrained model), once per attempt, fallbacks and retries included.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage

from agent.budget import message_tokens
from agent.middleware.history import request_overhead
from agent.usage import UsageStore
from retrieval.tokens import count_tokens

log = logging.getLogger(__name__)


def prompt_tokens(request: ModelRequest) -> int:
    return request_overhead(request) + sum(message_tokens(m.content) for m in request.messages)


def completion_tokens(response: ModelResponse) -> int:
    total = 0
    for msg in response.result:
        if isinstance(msg, AIMessage):
            total += message_tokens(msg.content) - 4 if msg.content else 0
            total += sum(count_tokens(c["name"] + json.dumps(c.get("args", {}), ensure_ascii=False))
                         for c in msg.tool_calls)
    return total


class UsageMeter(AgentMiddleware):
    def __init__(self, store: UsageStore, name_of: Callable[[BaseChatModel], str]):
        super().__init__()
        self.store = store
        self.name_of = name_of

    def _record(self, request: ModelRequest, response: ModelResponse, prompt: int) -> None:
        ctx = request.runtime.context
        out = completion_tokens(response)
        model = self.name_of(request.model)
        try:
            self.store.record(ctx.conversation_id, model, prompt, out, getattr(ctx, "prompt_version", ""))
        except Exception:  # accounting must never cost the customer their answer
            log.exception("recording token usage failed")
        turn = getattr(ctx, "usage", None)
        if isinstance(turn, dict):
            turn["input_tokens"] = turn.get("input_tokens", 0) + prompt
            turn["output_tokens"] = turn.get("output_tokens", 0) + out
            turn["calls"] = turn.get("calls", 0) + 1

    def wrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        prompt = prompt_tokens(request)
        response = handler(request)
        self._record(request, response, prompt)
        return response

    async def awrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        prompt = prompt_tokens(request)
        response = await handler(request)
        self._record(request, response, prompt)
        return response
