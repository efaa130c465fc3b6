"""The PII middleware in the real agent stack with the scripted model: across a whole conversation with
tool calls the model never receives a raw value, the customer gets their own values back, and another
person's value is neither restored nor sent: it is flagged and held for review."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import tool
from sqlalchemy import create_engine

from agent.context import TurnContext
from agent.llm.scripted import ScriptedChatModel
from agent.middleware.pii import PiiMiddleware
from agent.types import Inbound
from guardrails.pii import CrmOwnership, PiiGuard, Vault, get_scanner
from guardrails.pii.vault import PiiBase
from tools.crm.models import CrmBase
from tools.crm.store import SqlCrmStore

SARAH_EMAIL = "sarah.lindqvist@northwind-robotics.example.com"  # demo contact con-001 (web visitor-002)
SARAH_PHONE = "+1 617 555 0142"
LIU_PHONE = "+86 139 0571 3328"  # demo contact con-003, someone else


def everything_sent(calls: list[list[BaseMessage]]) -> str:
    parts = []
    for messages in calls:
        for m in messages:
            parts.append(m.content if isinstance(m.content, str) else json.dumps(m.content, ensure_ascii=False))
            parts += [json.dumps(tc["args"], ensure_ascii=False) for tc in getattr(m, "tool_calls", [])]
    return "\n".join(parts)


def placeholder(kind: str, messages: list[BaseMessage]) -> str:
    """The first placeholder of this kind in what the user said (the system prompt has its own)."""
    found = re.findall(rf"<{kind}_\d+>", everything_sent([[m for m in messages if m.type == "human"]]))
    assert found, f"the model should have been given a {kind} placeholder"
    return found[0]


def foreign(c, conversation_id: str = "pii-1") -> str:  # noqa: ANN001
    return next(p for p, e in c.pii.vault.entries(conversation_id).items() if e.value == LIU_PHONE)


def test_model_never_sees_raw_pii_in_a_conversation_with_tool_calls(seeded_container):  # noqa: ANN001
    c = seeded_container
    model: ScriptedChatModel = c.model.chat
    model.script += [
        # turn 1: look the customer up, then answer with the placeholders it was given
        AIMessage("", tool_calls=[{"name": "customer_360", "args": {"account_name": ""}, "id": "t1"}]),
        lambda msgs: f"Thanks! I have your email as {placeholder('EMAIL_ADDRESS', msgs)} and your phone as "
                     f"{placeholder('PHONE_NUMBER', msgs)}.",
        # turn 2: search the docs with the customer's email in the query, then answer
        lambda msgs: AIMessage("", tool_calls=[{"name": "search_knowledge", "id": "t2", "args": {
            "query": f"SSO setup for {placeholder('EMAIL_ADDRESS', msgs)}"}}]),
        "SSO is available on the Pro edition.",
        # turn 3: the model tries to pass on someone else's number it saw in a tool result
        lambda msgs: f"You could also call {foreign(c)}.",
    ]
    visitor = {"channel": "web", "channel_user_id": "visitor-002"}
    first = c.runner.handle(Inbound("pii-1", f"Hi, I'm Sarah Lindqvist. My email is {SARAH_EMAIL} and my cell is "
                                             f"{SARAH_PHONE}. Can you look me up?", **visitor))
    assert first.status == "sent", first.reasons
    assert SARAH_EMAIL in first.text and SARAH_PHONE in first.text, "the customer's own values come back to them"

    second = c.runner.handle(Inbound("pii-1", f"Does SSO work for {SARAH_EMAIL}?", **visitor))
    assert second.status == "sent"

    # a later tool result (e.g. a similar-deals tool) brought another contact's number into the conversation
    c.pii.pseudonymise(f'{{"reference_customer_phone": "{LIU_PHONE}"}}', conversation_id="pii-1", source="tool")
    third = c.runner.handle(Inbound("pii-1", "Anyone else I could talk to?", **visitor))
    assert third.status == "pending_review"
    assert "output_check" in third.reasons, third.reasons  # the customer learns the kind of check, no details
    assert LIU_PHONE not in third.text
    queued = c.queue.pending()[-1]
    assert any("other_person_pii: <PHONE_NUMBER_" in r for r in queued.reasons), queued.reasons
    assert "<PHONE_NUMBER_" in queued.draft and LIU_PHONE not in queued.draft, "reviewers see the placeholder"

    sent = everything_sent(model.calls)
    assert len(model.calls) == 5 and "<EMAIL_ADDRESS_" in sent and "<PERSON_" in sent
    for raw in (SARAH_EMAIL, SARAH_PHONE, "Sarah Lindqvist", LIU_PHONE):
        assert raw not in sent, f"the model received {raw!r}"
    system = [m for m in model.calls[0] if m.type == "system"][0].content
    assert "security@lumen-analytics.example" not in system, "retrieved sources are pseudonymised too"


def test_streamed_reply_is_restored_and_a_foreign_value_stops_the_stream(seeded_container):  # noqa: ANN001
    c = seeded_container
    model: ScriptedChatModel = c.model.chat
    model.script += [lambda msgs: f"Noted, we will call {placeholder('PHONE_NUMBER', msgs)}. Anything else?"]
    events = list(c.runner.stream(Inbound("pii-s", f"Call me on {SARAH_PHONE} please", channel="web",
                                          channel_user_id="visitor-002")))
    deltas = "".join(e["text"] for e in events if e["type"] == "delta")
    assert SARAH_PHONE in deltas and "<PHONE_NUMBER" not in deltas
    assert events[-1]["status"] == "sent" and SARAH_PHONE in events[-1]["text"], events[-1]

    c.pii.pseudonymise(f"reference customer: {LIU_PHONE}", conversation_id="pii-s", source="tool")
    model.script += [lambda msgs: f"Sure. Ask our reference at {foreign(c, 'pii-s')}. They are great."]
    events = list(c.runner.stream(Inbound("pii-s", "who else?", channel="web", channel_user_id="visitor-002")))
    deltas = "".join(e["text"] for e in events if e["type"] == "delta")
    assert LIU_PHONE not in deltas and "<PHONE_NUMBER_" not in deltas
    assert events[-1]["status"] == "pending_review"


def test_tool_arguments_get_real_values_and_results_go_back_masked(tmp_path):  # noqa: ANN001
    engine = create_engine(f"sqlite:///{tmp_path / 'pii.db'}")
    PiiBase.metadata.create_all(engine)
    CrmBase.metadata.create_all(engine)
    guard = PiiGuard(scanner=get_scanner, vault=Vault(engine), ownership=CrmOwnership(SqlCrmStore(engine)))
    received: list[dict[str, Any]] = []

    @tool("send_brochure")
    def send_brochure(email: str) -> str:
        """Email the brochure."""
        received.append({"email": email})
        return f"brochure sent to {email}"

    model = ScriptedChatModel(script=[
        lambda msgs: AIMessage("", tool_calls=[{"name": "send_brochure", "id": "b1",
                                                "args": {"email": placeholder("EMAIL_ADDRESS", msgs)}}]),
        "Done.",
    ])
    agent = create_agent(model, tools=[send_brochure], middleware=[PiiMiddleware(guard)], context_schema=TurnContext)
    ctx = TurnContext(conversation_id="tool-1", persona="customer", channel="web", language="en")
    agent.invoke({"messages": [("user", "send it to ana.ruiz@corp.example")]}, context=ctx)
    assert received == [{"email": "ana.ruiz@corp.example"}], "the tool gets the real value"
    assert "ana.ruiz@corp.example" not in everything_sent(model.calls)
    tool_result = [m for m in model.calls[1] if m.type == "tool"][0]
    assert tool_result.content == "brochure sent to <EMAIL_ADDRESS_1>"
