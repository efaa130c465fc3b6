"""Tool calls for models that cannot emit them natively (the embedded 1.5B model), by constrained decoding.

Instead of binding tools, the model is asked for one JSON object matching a schema (`response_format`
json_schema, which llama.cpp turns into a grammar): either `{"action": "<tool>", "args": {...}}` with that
tool's own argument schema, or `{"action": "answer", "text": "..."}`. The result becomes an ordinary
`AIMessage` with `tool_calls` (or the answer text), so the agent loop, the consent guard and the approval
gate see exactly what a native tool-calling model would have produced.

Small models loop on tools, so after `max_tool_rounds` tool results in one turn (or a repeated call) only
the answer branch is offered. Output that is not valid JSON for the schema raises `ModelGarbage`.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.middleware.garbage import ModelGarbage
from prompts import load as load_prompt

ANSWER = "answer"
# schema keywords llama.cpp's grammar converter does not need; dropping them keeps the grammar small
_NOISE = {"title", "description", "default", "examples"}


def _clean(schema: Any) -> Any:  # noqa: ANN401 - JSON schema
    if isinstance(schema, dict):
        return {k: _clean(v) for k, v in schema.items() if k not in _NOISE or not isinstance(v, str | int | float)}
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    return schema


def _parameters(tool: BaseTool | dict[str, Any]) -> dict[str, Any]:
    spec = convert_to_openai_tool(tool)["function"]
    params = _clean(spec.get("parameters") or {"type": "object", "properties": {}})
    params.setdefault("type", "object")
    params.setdefault("properties", {})
    params["additionalProperties"] = False
    return params


def tool_name(tool: BaseTool | dict[str, Any]) -> str:
    return tool.name if isinstance(tool, BaseTool) else convert_to_openai_tool(tool)["function"]["name"]


def step_schema(tools: list[BaseTool | dict[str, Any]], *, answer_first: bool = False) -> dict[str, Any]:
    """One branch per tool, and the answer. Small models lean to the first branch that looks plausible:
    before any tool ran, tools come first (a clear request for a tool should not be answered in prose);
    once a result is in, the answer comes first (so the model answers from it instead of chaining tools)."""
    branches = [{"type": "object", "properties": {"action": {"const": tool_name(t)}, "args": _parameters(t)},
                 "required": ["action", "args"], "additionalProperties": False} for t in tools]
    answer = {"type": "object", "properties": {"action": {"const": ANSWER}, "text": {"type": "string"}},
              "required": ["action", "text"], "additionalProperties": False}
    branches = [answer, *branches] if answer_first else [*branches, answer]
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


def tool_menu(tools: list[BaseTool | dict[str, Any]]) -> str:
    """One short line per tool: its name, the first sentence of its description and its argument names."""
    lines = []
    for t in tools:
        spec = convert_to_openai_tool(t)["function"]
        about = (spec.get("description") or "").strip().split("\n")[0].split(". ")[0].rstrip(".")
        args = ", ".join((spec.get("parameters") or {}).get("properties", {}))
        lines.append(f"- {spec['name']}: {about}." + (f" args: {args}" if args else ""))
    return "\n".join(lines)


def parse_step(text: str, tool_names: set[str], *, message_id: str | None = None) -> AIMessage:
    """The model's JSON step as an AIMessage; `ModelGarbage` when it is not one of the allowed steps."""
    raw = text.strip()
    if raw.startswith("```"):  # a model that ignored the grammar (a hosted endpoint without json_schema)
        raw = raw.strip("`").removeprefix("json").strip()
    try:
        step = json.loads(raw)
    except ValueError:
        raise ModelGarbage("invalid_json", raw[:200]) from None
    if not isinstance(step, dict) or not isinstance(step.get("action"), str):
        raise ModelGarbage("invalid_step", raw[:200])
    action = step["action"]
    if action == ANSWER:
        answer = step.get("text")
        if not isinstance(answer, str):
            raise ModelGarbage("invalid_step", raw[:200])
        return AIMessage(content=answer, id=message_id)
    if action not in tool_names:
        raise ModelGarbage("unknown_tool", action[:80])
    args = step.get("args") or {}
    if not isinstance(args, dict):
        raise ModelGarbage("invalid_args", raw[:200])
    call = {"name": action, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
    return AIMessage(content="", tool_calls=[call], id=message_id)


def _this_turn(messages: list[Any]) -> list[Any]:
    start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    return messages[start + 1:]


def _exhausted(messages: list[Any], max_rounds: int) -> bool:
    """Stop offering tools after `max_rounds` tool results this turn, or once a call was repeated."""
    turn = _this_turn(messages)
    if sum(isinstance(m, ToolMessage) for m in turn) >= max_rounds:
        return True
    seen = [(c["name"], json.dumps(c.get("args", {}), sort_keys=True)) for m in turn if isinstance(m, AIMessage)
            for c in m.tool_calls]
    return len(seen) != len(set(seen))


def _as_text(messages: list[Any]) -> list[Any]:
    """Earlier tool calls and results as plain text: a model without tool support does not know those
    message roles (llama.cpp's chat template would drop or reject them)."""
    out: list[Any] = []
    for m in messages:
        if isinstance(m, AIMessage) and m.tool_calls:
            calls = "; ".join(f"{c['name']}({json.dumps(c.get('args', {}), ensure_ascii=False)})" for c in m.tool_calls)
            out.append(AIMessage(content=f"[called {calls}]", id=m.id))
        elif isinstance(m, ToolMessage):
            out.append(HumanMessage(content=f"[result of {m.name}]\n{m.content}"))
        else:
            out.append(m)
    return out


def step_plan(messages: list[Any], tools: list[Any], max_rounds: int, persona: str = "") -> tuple[list[Any], bool]:
    """(the tools still offered this step, whether tool results of this turn are already in)."""
    offered = [] if _exhausted(messages, max_rounds) else list(tools)
    if persona == "customer":
        offered = cued_for_customer(offered, messages)
    return offered, any(isinstance(m, ToolMessage) for m in _this_turn(messages))


def cued_for_customer(tools: list[Any], messages: list[Any]) -> list[Any]:
    """The tools a customer's own words call for. A tool may declare a `customer_cue` (a pattern of what a
    customer says when they want it: a quote, a person, their account); a weak model offered it anyway
    calls it for any question, so it is offered once the customer's messages in this conversation match."""
    said = "\n".join(m.content for m in messages if isinstance(m, HumanMessage) and isinstance(m.content, str))
    return [t for t in tools
            if not (cue := (getattr(t, "metadata", None) or {}).get("customer_cue")) or re.search(cue, said, re.I)]


def step_note(tools: list[Any], have_results: bool, language: str) -> str:
    """How to answer in JSON, with the tool menu: the system prompt places it before the sources, so the
    static head of the prompt (persona and tools) stays one cached prefix on llama.cpp."""
    name = ("tool_followup" if have_results else "tool_use") if tools else "answer_only"
    return load_prompt(name, language).render(tools=tool_menu(tools))


class ConstrainedToolCalls(AgentMiddleware):
    """Applies to the models `constrained(model)` says lack native tool calling; others pass through."""

    def __init__(self, constrained: Callable[[BaseChatModel], bool], *, max_tool_rounds: int = 2):
        super().__init__()
        self.constrained = constrained
        self.max_tool_rounds = max_tool_rounds

    def _prepare(self, request: ModelRequest) -> tuple[ModelRequest, set[str]]:
        ctx = request.runtime.context
        tools, have_results = step_plan(request.messages, request.tools, self.max_tool_rounds,
                                        getattr(ctx, "persona", ""))
        note = step_note(tools, have_results, getattr(ctx, "language", "en"))
        base = request.system_message.content if request.system_message else ""
        if not isinstance(base, str) or note not in base:  # the persona template did not place it already
            system = SystemMessage(content=f"{base}\n\n{note}" if base else note)
            request = request.override(system_message=system)
        fmt = {"type": "json_schema",
               "json_schema": {"name": "next_step", "schema": step_schema(tools, answer_first=have_results)}}
        # extra_body, not response_format: the client then streams plain chunks (see runner.stream)
        settings = {**request.model_settings, "extra_body": {"response_format": fmt}}
        if ctx is not None and hasattr(ctx, "json_mode"):
            ctx.json_mode = True  # tells the runner's stream to read the answer out of the JSON
        prepared = request.override(tools=[], tool_choice=None, model_settings=settings)
        return prepared, {tool_name(t) for t in tools}

    def _convert(self, response: ModelResponse, names: set[str]) -> ModelResponse:
        messages = list(response.result)
        last = messages[-1] if messages else None
        if not isinstance(last, AIMessage):
            raise ModelGarbage("empty", "no message")
        content = last.content if isinstance(last.content, str) else "".join(
            p.get("text", "") for p in last.content if isinstance(p, dict))
        step = parse_step(content, names, message_id=last.id)
        step.usage_metadata = last.usage_metadata
        step.response_metadata = {**last.response_metadata, "constrained": True}
        return ModelResponse(result=[*messages[:-1], step], structured_response=response.structured_response)

    def wrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        if not self.constrained(request.model):
            ctx = request.runtime.context
            if ctx is not None and hasattr(ctx, "json_mode"):
                ctx.json_mode = False
            return handler(request)
        prepared, names = self._prepare(request)
        return self._convert(handler(prepared), names)

    async def awrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        if not self.constrained(request.model):
            ctx = request.runtime.context
            if ctx is not None and hasattr(ctx, "json_mode"):
                ctx.json_mode = False
            return await handler(request)
        prepared, names = self._prepare(request)
        return self._convert(await handler(prepared), names)


class ToolTranscript(AgentMiddleware):
    """For constrained models, earlier tool calls and results as plain text (`_as_text`). Innermost, after
    the PII layer: that layer must still see tool results as tool results (their personal data belongs to
    whoever the CRM says, not to the person typing), and the model gets the pseudonymised text."""

    def __init__(self, constrained: Callable[[BaseChatModel], bool]):
        super().__init__()
        self.constrained = constrained

    def wrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        if self.constrained(request.model):
            request = request.override(messages=_as_text(request.messages))
        return handler(request)

    async def awrap_model_call(self, request: ModelRequest, handler):  # noqa: ANN001, ANN201
        if self.constrained(request.model):
            request = request.override(messages=_as_text(request.messages))
        return await handler(request)


class AnswerStream:
    """Reads the answer text out of a streamed `{"action": "answer", "text": "..."}` as it arrives, so the
    customer sees words while the JSON is still being written. Tool steps yield nothing."""

    def __init__(self) -> None:
        self.buffer = ""
        self._pos = -1  # index in buffer where the text value's characters start; -1 until found
        self._done = False
        self._skip = False

    def feed(self, piece: str) -> str:
        if self._done or self._skip:
            return ""
        self.buffer += piece
        if self._pos < 0:
            head = self.buffer.replace(" ", "")
            if '"action":' in head and '"action":"answer"' not in head and head.count('"') >= 4:
                self._skip = True  # a tool step
                return ""
            key = self.buffer.find('"text"')
            if key < 0:
                return ""
            colon = self.buffer.find(":", key + 6)
            quote = self.buffer.find('"', colon + 1) if colon >= 0 else -1
            if quote < 0:
                return ""
            self._pos = quote + 1
        return self._drain()

    def _drain(self) -> str:
        out, i, buf = [], self._pos, self.buffer
        while i < len(buf):
            ch = buf[i]
            if ch == '"':
                self._done = True
                i += 1
                break
            if ch == "\\":
                if i + 1 >= len(buf):
                    break
                nxt = buf[i + 1]
                if nxt == "u":
                    if i + 6 > len(buf):
                        break
                    with contextlib.suppress(ValueError):
                        out.append(chr(int(buf[i + 2:i + 6], 16)))
                    i += 6
                    continue
                out.append({"n": "\n", "t": "\t", "r": "", "b": "", "f": ""}.get(nxt, nxt))
                i += 2
                continue
            out.append(ch)
            i += 1
        self._pos = i
        return "".join(out)
