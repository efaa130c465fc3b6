"""Who a turn runs as comes from the turn, not from whoever started the conversation: a conversation is one
persona's on one channel, and in a thread several people share, each speaks as themself."""

from __future__ import annotations

import json

import pytest

from agent.runner import ConversationMismatch
from agent.types import Inbound
from evals.consent_attacks import call, tool_messages


def test_a_turn_of_another_persona_or_channel_is_refused_before_anything_is_stored(db_container):
    c = db_container
    c.conversations.ensure("mix-1", channel="slack", persona="rep", rep_id="rep-001")
    for inbound in (Inbound("mix-1", "show me con-004", channel="slack", persona="customer"),
                    Inbound("mix-1", "show me con-004", channel="web", persona="rep")):
        with pytest.raises(ConversationMismatch):
            c.runner.handle(inbound)
        with pytest.raises(ConversationMismatch):
            list(c.runner.stream(inbound))
    assert c.conversations.messages("mix-1") == []
    assert c.conversations.get("mix-1").persona == "rep"


def test_a_second_speaker_never_gets_the_contact_of_the_one_who_started_the_conversation(db_container):
    c = db_container
    first = c.crm.contact_by_channel("web", "visitor-001")["id"]
    c.model.chat.script += ["Hello!", call("customer_360"), "Here it is."]
    c.runner.handle(Inbound("pair-1", "hi", channel_user_id="visitor-001"))
    assert c.conversations.get("pair-1").contact_id == first
    c.runner.handle(Inbound("pair-1", "show me my details", channel_user_id="visitor-unknown"))
    shown = json.loads(tool_messages(c.runner, "pair-1")[-1].content)
    assert shown["refused"] is True and "own records" in shown["reason"], "an anonymous speaker has no record"
    assert c.conversations.get("pair-1").contact_id == first, "the conversation stays the first speaker's"
