"""The system prompt: persona and language template, with this turn's numbered sources."""

from __future__ import annotations

from langchain.agents.middleware import ModelRequest, dynamic_prompt

from agent.context import TurnContext
from prompts import load as load_prompt
from tools.crm.store import CrmStore


def render_sources(ctx: TurnContext) -> str:
    return "\n\n".join(f"[{i}] {h.title} — {h.heading}\n{h.text}"
                       for i, h in enumerate(ctx.sources, start=1)) or "(none found)"


def system_prompt(*, company: str, crm: CrmStore):  # noqa: ANN201 - AgentMiddleware
    @dynamic_prompt
    def _system_prompt(request: ModelRequest) -> str:
        ctx: TurnContext = request.runtime.context
        rep_name = (crm.rep(ctx.rep_id) or {}).get("name", "") if ctx.rep_id else ""
        return load_prompt(ctx.persona, ctx.language).render(company=company, sources=render_sources(ctx),
                                                            rep_name=rep_name)

    return _system_prompt
