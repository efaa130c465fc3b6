"""Resuming a paused agent run is a delivery too: the reviewer's decision on a tool call goes through
the outbox, so it survives a crash between the decision and the resume. Idempotent: a run whose
interrupt was already answered is not resumed again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.outbox.message import OutboundMessage, PermanentDeliveryError, Receipt

# (conversation_id, interrupt_id, decision, placeholder message id) -> True if resumed, False if already done
ResumeFn = Callable[[str, str, dict[str, Any], int | None], bool]


class AgentResumeAdapter:
    channel = "agent"

    def __init__(self, resume: ResumeFn):
        self._resume = resume

    def deliver(self, message: OutboundMessage) -> Receipt:
        p = message.payload
        if not p.get("interrupt_id") or not p.get("conversation_id") or not isinstance(p.get("decision"), dict):
            raise PermanentDeliveryError("resume needs conversation_id, interrupt_id and a decision")
        resumed = self._resume(str(p["conversation_id"]), str(p["interrupt_id"]), p["decision"],
                               p.get("message_id"))
        return Receipt(f"agent:{p['conversation_id']}:{p['interrupt_id']}", duplicate=not resumed)
