"""Model output that is no answer at all: empty, degenerate repetition, or not the JSON we constrained it to.

`GarbageGuard` raises `ModelGarbage` for such output, so the retry and fallback middleware outside it try
again or try the next model, and when every model fails the runner gives the safe reply and hands the
conversation to a person (`Runner._handoff`) instead of showing the customer the garbage.
"""

from __future__ import annotations

import re

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage

WORDS = re.compile(r"\w+|[^\w\s]", re.U)


class ModelGarbage(ValueError):
    """The model answered, but with nothing usable. `kind` names what was wrong (for logs and the queue)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def _repetitive(text: str, *, min_units: int = 24, max_share: float = 0.5) -> bool:
    """Degenerate loops: one short n-gram (1–4 units) covering most of a long output, or one character
    run. Units are words, punctuation, and single CJK characters (Chinese has no spaces)."""
    if re.search(r"(.)\1{29,}", text):
        return True
    units = [u for w in WORDS.findall(text) for u in (list(w) if re.search(r"[\u4e00-\u9fff]", w) else [w])]
    if len(units) < min_units:
        return False
    for n in (1, 2, 3, 4):
        grams = [tuple(units[i:i + n]) for i in range(0, len(units) - n + 1, n)]
        top = max(grams.count(g) for g in set(grams))
        if top * n / len(units) > max_share and top >= 6:
            return True
    return False


def garbage_reason(message: AIMessage) -> str | None:
    if message.tool_calls:
        return None
    text = message.content if isinstance(message.content, str) else "".join(
        p.get("text", "") for p in message.content if isinstance(p, dict))
    if not text.strip():
        return "empty"
    if "\ufffd" in text or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
        return "undecodable"
    if _repetitive(text):
        return "repetition"
    return None


class GarbageGuard(AgentMiddleware):
    def _check(self, response: ModelResponse) -> ModelResponse:
        last = response.result[-1] if response.result else None
        if not isinstance(last, AIMessage):
            raise ModelGarbage("empty", "no message")
        if reason := garbage_reason(last):
            raise ModelGarbage(reason)
        return response

    def wrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        return self._check(handler(request))

    async def awrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        return self._check(await handler(request))
