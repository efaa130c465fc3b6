"""What one turn knows about who is talking. Set by the runner from the authenticated channel identity;
tools read it through LangChain's injected runtime, so the model can never change it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from retrieval.knowledge import Hit


@dataclass
class TurnContext:
    conversation_id: str
    persona: str  # customer | rep
    channel: str
    language: str
    contact_id: str | None = None
    rep_id: str | None = None
    inbound_text: str = ""  # the message this turn answers (verification rules read it)
    tools: frozenset[str] | None = None  # the only tools this turn may call (Inbound.tools); None: the persona's
    # sources numbered for the prompt; tool calls append to it so citations can point at them
    sources: list[Hit] = field(default_factory=list)
    tool_log: list[dict[str, Any]] = field(default_factory=list)
    # filled in by the middleware during the turn
    stage: str = ""  # sales stage inferred from the conversation (agent.stage)
    prompt_version: str = ""  # content hash of the system prompt template used
    json_mode: bool = False  # the serving model answers in constrained JSON (the stream reads the text out)
    usage: dict[str, int] = field(default_factory=dict)  # this turn's tokens and model calls

    @property
    def audience(self) -> str:
        # Customers only ever see public documents; reps also see internal ones.
        return "internal" if self.persona == "rep" else "public"

    def add_sources(self, hits: list[Hit]) -> list[int]:
        """Number new hits after the existing ones; returns each hit's source number."""
        numbers = []
        known = {h.chunk_id: i + 1 for i, h in enumerate(self.sources)}
        for hit in hits:
            if hit.chunk_id not in known:
                self.sources.append(hit)
                known[hit.chunk_id] = len(self.sources)
            numbers.append(known[hit.chunk_id])
        return numbers
