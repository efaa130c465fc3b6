"""The agent's way to ask for a missing consent. It only puts the question (our notice, in the
customer's language) in front of them; the grant is recorded when *they* answer through the chat
client, never because the model says so."""

from __future__ import annotations

import json
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, tool

from guardrails.consent.offers import ConsentOffers


def consent_request_tool(offers: ConsentOffers) -> BaseTool:
    @tool("ask_for_consent")
    def ask_for_consent(purpose: str, data_categories: list[str], channels: list[str], runtime: ToolRuntime[Any]) -> str:
        """Ask the customer for a consent a refusal said is missing (purpose, data categories, channels).
        They see our notice and answer it themselves; until then the consent is not given."""
        ctx = runtime.context  # the authenticated turn: whose conversation this is
        if getattr(ctx, "persona", "") != "customer" or not getattr(ctx, "contact_id", None):
            return json.dumps({"asked": False, "reason": "only a known customer can be asked, in their own chat"})
        try:
            offer = offers.offer(conversation_id=ctx.conversation_id, contact_id=ctx.contact_id, purpose=purpose,
                                 data_categories=data_categories, channels=channels,
                                 language="zh" if ctx.language == "zh" else "en")
        except ValueError as exc:
            return json.dumps({"asked": False, "reason": str(exc)})
        return json.dumps({"asked": True, "offer_id": offer.id, "notice": offer.notice.text,
                           "what_to_do": "Tell the customer you have asked for their permission and that they can "
                                         "accept or decline it in the chat. Do not treat it as given."},
                          ensure_ascii=False)

    ask_for_consent.metadata = {"purpose": "", "data_categories": [], "roles": ["customer"]}
    return ask_for_consent
