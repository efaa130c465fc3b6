"""What channels hand the runner and what they get back. Channels normalise to these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Inbound:
    conversation_id: str
    text: str
    channel: str = "web"
    persona: str = "customer"  # customer | rep
    channel_user_id: str = ""
    channel_message_id: str | None = None
    # Only these tools this turn (None: every tool the persona may call). A flow that hands the agent other
    # people's words to work from (a customer's messages in a rep's sidebar) gets read-only tools.
    tools: tuple[str, ...] | None = None


@dataclass
class Reply:
    conversation_id: str
    message_id: int
    text: str
    status: str  # sent | pending_review | handoff
    citations: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    language: str = "en"
