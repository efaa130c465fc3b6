"""The system prompt: persona and language template (prompts/), the inferred sales stage, and this turn's
numbered sources, each cut to the passage budget of the serving model's window."""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain.agents.middleware import ModelRequest, dynamic_prompt
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage

from agent.budget import TokenBudget
from agent.context import TurnContext
from agent.middleware.constrained import step_note, step_plan
from agent.stage import infer_stage
from prompts import load as load_prompt
from prompts import stage_guidance
from retrieval.excerpt import focused_excerpt
from tools.crm.store import CrmStore


def render_sources(ctx: TurnContext, passage_tokens: int = 0) -> str:
    def text(body: str) -> str:  # over budget: the lines that answer this question, not the first ones
        return focused_excerpt(body, ctx.inbound_text, passage_tokens) if passage_tokens else body

    return "\n\n".join(f"[{i}] {h.title} — {h.heading}\n{text(h.text)}"
                       for i, h in enumerate(ctx.sources, start=1)) or "(none found)"


def _said(request: ModelRequest) -> list[str]:
    return [m.content for m in request.messages if isinstance(m, HumanMessage) and isinstance(m.content, str)]


def system_prompt(*, company: str, crm: CrmStore,  # noqa: ANN201 - AgentMiddleware
                  budget_for: Callable[[BaseChatModel], TokenBudget] | None = None,
                  constrained: Callable[[BaseChatModel], bool] | None = None, max_tool_rounds: int = 2):
    """`constrained(model)`: the serving model answers in JSON steps; the template's {tools} slot then gets
    the step instructions and tool menu (agent.middleware.constrained), ahead of the per-turn sources."""
    @dynamic_prompt
    def _system_prompt(request: ModelRequest) -> str:
        ctx: TurnContext = request.runtime.context
        rep_name = (crm.rep(ctx.rep_id) or {}).get("name", "") if ctx.rep_id else ""
        template = load_prompt(ctx.persona, ctx.language)
        ctx.prompt_version = template.version
        if ctx.persona == "customer":
            ctx.stage = infer_stage(_said(request))
        passage = budget_for(request.model).passages()[1] if budget_for else 0
        tools = ""
        if constrained is not None and constrained(request.model):
            tools = step_note(*step_plan(request.messages, request.tools, max_tool_rounds, ctx.persona), ctx.language)
        text = template.render(company=company, sources=render_sources(ctx, passage), rep_name=rep_name,
                               stage=stage_guidance(ctx.stage, ctx.language) if ctx.stage else "", tools=tools)
        return re.sub(r"\n{3,}", "\n\n", text)  # an empty slot leaves no gap

    return _system_prompt
