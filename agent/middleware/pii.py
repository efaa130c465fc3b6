"""Every model call sees placeholders, never raw PII: user messages, tool results, the model's own
earlier turns and the system prompt with its retrieved sources. It sits innermost in the stack, so it
sees the final system message after `system_prompt` has rendered the sources into it.

Tool arguments go the other way: the model writes `<EMAIL_ADDRESS_1>`, the tool receives the real
value. Any placeholder of the conversation is restored there, whoever's value it is, because tools
enforce their own access rules in code below the model; the tool's result is pseudonymised again
before the model sees it.
"""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.context import TurnContext
from guardrails.pii import PiiGuard


class PiiMiddleware(AgentMiddleware):
    def __init__(self, guard: PiiGuard):
        super().__init__()
        self.guard = guard

    # -- to the model ------------------------------------------------------------------------------
    def wrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        ctx: TurnContext = request.runtime.context
        messages = [self._message(m, ctx) for m in request.messages]
        system = request.system_message
        if system is not None:
            system = SystemMessage(content=self._text(system.content, ctx, f"source:{ctx.audience}"))
        return handler(request.override(messages=messages, system_message=system))

    def _message(self, msg: BaseMessage, ctx: TurnContext) -> BaseMessage:
        if isinstance(msg, HumanMessage):
            speaker = "rep" if ctx.persona == "rep" else "customer"
            return msg.model_copy(update={"content": self._text(msg.content, ctx, speaker)})
        if isinstance(msg, ToolMessage):
            return msg.model_copy(update={"content": self._text(msg.content, ctx, "tool")})
        if isinstance(msg, AIMessage):
            calls = [{**c, "args": self._args(c.get("args", {}), ctx)} for c in msg.tool_calls]
            return msg.model_copy(update={"content": self._text(msg.content, ctx, "model"), "tool_calls": calls})
        if isinstance(msg, SystemMessage):
            return msg.model_copy(update={"content": self._text(msg.content, ctx, f"source:{ctx.audience}")})
        return msg

    def _text(self, content: Any, ctx: TurnContext, source: str) -> Any:
        if isinstance(content, str):
            return self.guard.pseudonymise(content, conversation_id=ctx.conversation_id, source=source,
                                           default_owner=self._default_owner(ctx, source))
        if isinstance(content, list):  # content blocks: only the text parts carry PII
            return [{**p, "text": self._text(p["text"], ctx, source)} if isinstance(p, dict) and
                    isinstance(p.get("text"), str) else self._text(p, ctx, source) if isinstance(p, str) else p
                    for p in content]
        return content

    def _args(self, value: Any, ctx: TurnContext) -> Any:
        if isinstance(value, str):
            return self._text(value, ctx, "model")
        if isinstance(value, dict):
            return {k: self._args(v, ctx) for k, v in value.items()}
        if isinstance(value, list):
            return [self._args(v, ctx) for v in value]
        return value

    @staticmethod
    def _default_owner(ctx: TurnContext, source: str) -> str:
        if source == "customer" and ctx.contact_id:
            return f"contact:{ctx.contact_id}"
        if source == "rep" and ctx.rep_id:
            return f"rep:{ctx.rep_id}"
        return "unknown"

    # -- to the tools ------------------------------------------------------------------------------
    def wrap_tool_call(self, request, handler):  # noqa: ANN001, ANN201
        ctx = getattr(request.runtime, "context", None)
        if not isinstance(ctx, TurnContext):
            return handler(request)
        call = request.tool_call
        args = self._restore_args(call.get("args", {}), ctx.conversation_id)
        return handler(request.override(tool_call={**call, "args": args}))

    def _restore_args(self, value: Any, conversation_id: str) -> Any:
        if isinstance(value, str):
            return self.guard.restore_all(value, conversation_id=conversation_id)
        if isinstance(value, dict):
            return {k: self._restore_args(v, conversation_id) for k, v in value.items()}
        if isinstance(value, list):
            return [self._restore_args(v, conversation_id) for v in value]
        return value


def pii_middleware(guard: PiiGuard) -> PiiMiddleware:
    return PiiMiddleware(guard)
