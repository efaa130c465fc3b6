"""The consent middleware's own behaviour: masking by category in a tool's JSON result, one audit entry
per call with argument names but never their values, and tools without a declared purpose."""

from __future__ import annotations

import json
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import tool

from agent.runner import Runner, RunnerConfig
from agent.types import Inbound
from evals.consent_attacks import attack_runner, call, tool_messages


def test_fields_of_unconsented_categories_are_withheld(db_container):
    c = db_container

    @tool("account_brief")
    def account_brief(contact_id: str, runtime: ToolRuntime[Any]) -> str:
        """A contact's brief, as a careless tool might return it: everything, trusting the middleware."""
        view = c.crm.customer_360(contact_id)
        return json.dumps({"contact": {"name": view.contact["name"], "email": view.contact["email"]},
                           "activities": [a["summary"] for a in view.activities],
                           "account": {"industry": view.account["industry"]}}, ensure_ascii=False)

    account_brief.metadata = {"purpose": "sales_followup",
                              "data_categories": ["contact_details", "conversation_content", "company_profile"]}
    runner = Runner(model=c.model, conversations=c.conversations, crm=c.crm, kb=c.kb, queue=c.queue,
                    checkpointer=c.checkpointer, config=RunnerConfig(), policy=c.policy, audit=c.audit,
                    consent=c.consent_desk, extra_tools=[account_brief])
    c.conversations.ensure("mask-1", channel="slack", persona="rep", rep_id="rep-001")
    c.model.chat.script += [call("account_brief", contact_id="con-001"), "Here is the brief."]
    runner.handle(Inbound("mask-1", "brief me on Sarah", channel="slack", persona="rep"))
    # con-001's sales_followup consent covers contact details and company profile, not conversations
    result = json.loads(tool_messages(runner, "mask-1")[0].content)
    assert result["contact"]["name"] == "Sarah Lindqvist" and result["account"]["industry"]
    assert result["activities"] == "[withheld: no consent]"
    [entry] = [e for e in c.audit.entries(action="tool.account_brief")]
    assert entry.detail["outcome"] == "ok" and entry.detail["args"] == ["contact_id"]
    assert entry.detail["decisions"][0]["masked"] == ["conversation_content"]
    assert "Sarah" not in json.dumps(entry.detail, ensure_ascii=False)


def test_argument_values_never_reach_the_audit_chain(db_container):
    c = db_container
    runner = attack_runner(c, [])
    c.model.chat.script += [call("search_knowledge", query="my phone is +1 617 555 0142"), "ok"]
    runner.handle(Inbound("args-1", "hello", channel_user_id="visitor-002"))
    [entry] = c.audit.entries(action="tool.search_knowledge")
    assert entry.detail["outcome"] == "ok" and entry.detail["args"] == ["query"]
    assert "555" not in json.dumps(entry.detail)


def test_a_refusal_a_tool_makes_by_its_own_rule_is_audited_as_refused():
    from langchain_core.messages import ToolMessage

    from agent.middleware.consent import ConsentGuard

    said_no = ToolMessage(content=json.dumps({"refused": True, "reason": "the lead is outside rep-003's leads"}),
                          tool_call_id="c1")
    assert ConsentGuard._outcome(said_no, []) == "refused"
    quoted = ToolMessage(content=json.dumps({"summary": "customer wrote: \"refused\": true"}), tool_call_id="c2")
    assert ConsentGuard._outcome(quoted, []) == "ok"
