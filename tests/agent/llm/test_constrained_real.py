"""The embedded model picks tools through constrained decoding, and its calls run through the normal loop.

Real model (qwen2.5-1.5b by default; SALESAGENT_TEST_CONSTRAINED_MODEL=qwen2.5-0.5b for the small one)."""

from __future__ import annotations

import json
import os

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from agent.context import TurnContext
from agent.llm.factory import LlmConfig, build_model
from agent.llm.weights import MODELS, cached_path, is_cached
from agent.middleware.constrained import ConstrainedToolCalls, ToolTranscript
from app.settings import DEFAULT_MODEL_CACHE

MODEL = MODELS[os.environ.get("SALESAGENT_TEST_CONSTRAINED_MODEL", "qwen2.5-1.5b")]
RAN: list[tuple[str, dict]] = []


@tool("lookup_account")
def lookup_account(name: str) -> str:
    """Look up a customer account in the CRM by its name."""
    RAN.append(("lookup_account", {"name": name}))
    return json.dumps({"account": name, "plan": "Pro", "seats": 40, "owner": "Sarah"})


@tool("schedule_followup")
def schedule_followup(when: str, note: str) -> str:
    """Schedule a follow-up call or reminder with a customer."""
    RAN.append(("schedule_followup", {"when": when, "note": note}))
    return json.dumps({"scheduled": True, "when": when})


@tool("log_activity")
def log_activity(summary: str) -> str:
    """Record a note about a call, meeting or email in the CRM."""
    RAN.append(("log_activity", {"summary": summary}))
    return json.dumps({"logged": True})


@tool("handoff_to_human")
def handoff_to_human(reason: str) -> str:
    """Hand the conversation over to a human sales rep."""
    RAN.append(("handoff_to_human", {"reason": reason}))
    return json.dumps({"handed_off": True})


@tool("search_knowledge")
def search_knowledge(query: str) -> str:
    """Search the product documentation."""
    RAN.append(("search_knowledge", {"query": query}))
    return json.dumps([{"n": 1, "text": "SSO is configured under Settings → Security with SAML 2.0."}])


TOOLS = [lookup_account, schedule_followup, log_activity, handoff_to_human, search_knowledge]
REQUESTS = [
    ("Look up the account for Northwind Traders.", "lookup_account"),
    ("Remind me to call Dana next Tuesday about the renewal.", "schedule_followup"),
    ("Log that I had a 30 minute demo call with Acme today; they liked the dashboards.", "log_activity"),
    ("I want to talk to a real person, please.", "handoff_to_human"),
    ("Search the docs for how SSO is configured.", "search_knowledge"),
]


@pytest.fixture(scope="module")
def local_model():  # noqa: ANN201
    if not is_cached(MODEL, DEFAULT_MODEL_CACHE):
        pytest.fail(f"run `salesagent model fetch {MODEL.id}` first: {cached_path(MODEL, DEFAULT_MODEL_CACHE)} is missing")
    handle = build_model(LlmConfig(provider="local", model=MODEL.id, max_tokens=96, temperature=0.0, context=4096))
    yield handle
    handle.close()


@pytest.mark.slow
def test_embedded_model_picks_the_right_tool_and_the_loop_runs_it(local_model):
    def constrained(chat):  # noqa: ANN001, ANN202
        return chat is local_model.chat

    agent = create_agent(local_model.chat, tools=TOOLS,
                         middleware=[ConstrainedToolCalls(constrained), ToolTranscript(constrained)],
                         system_prompt="You are the sales copilot of Lumen Analytics, helping a sales rep.",
                         context_schema=TurnContext)
    right, picked = 0, []
    for i, (request, expected) in enumerate(REQUESTS):
        RAN.clear()
        ctx = TurnContext(conversation_id=f"real-{i}", persona="rep", channel="web", language="en")
        state = agent.invoke({"messages": [HumanMessage(request)]}, context=ctx)
        msgs = state["messages"]
        calls = [c for m in msgs if isinstance(m, AIMessage) for c in m.tool_calls]
        picked.append((request, [c["name"] for c in calls]))
        if calls and calls[0]["name"] == expected:
            right += 1
            # the normal loop ran the tool with the model's arguments and fed the result back
            assert RAN and RAN[0][0] == expected
            results = [m for m in msgs if isinstance(m, ToolMessage)]
            assert results and results[0].tool_call_id == calls[0]["id"]
            assert all(isinstance(v, str) and v for v in calls[0]["args"].values()), calls[0]
        # every turn ends on an answer in plain text, never the raw JSON step
        assert isinstance(msgs[-1], AIMessage) and not msgs[-1].tool_calls
        assert not str(msgs[-1].content).lstrip().startswith('{"action"')
    print(f"\n{MODEL.id}: {right}/5 right; picked: {picked}")
    assert right >= 4, picked


@pytest.mark.slow
def test_through_the_runner_a_risky_call_from_the_embedded_model_waits_for_a_reviewer(data_dir, tmp_path,
                                                                                       monkeypatch):
    """The whole stack on the real model: its JSON step becomes a tool call that the approval gate pauses."""
    from agent.types import Inbound
    from app.container import Container
    from tests.agent.risky_tools import set_deal_stage
    from tests.conftest import make_settings

    if not is_cached(MODEL, DEFAULT_MODEL_CACHE):
        pytest.fail(f"run `salesagent model fetch {MODEL.id}` first")
    monkeypatch.setenv("RISKY_TOOL_LOG", str(tmp_path / "calls.json"))
    s = make_settings(data_dir, llm_provider="local", llm_model=MODEL.id, llm_max_tokens=96, llm_temperature=0.0,
                      llm_timeout_s=600)
    c = Container(s, tools=[set_deal_stage])
    c.setup_database()
    try:
        reply = c.runner.handle(Inbound("real-hitl", "We signed! Please set the stage of deal deal-7 to won.",
                                        persona="rep"))
        assert reply.status == "pending_review", reply
        [item] = c.queue.list(kind="tool_call")
        assert item.tool_call["name"] == "set_deal_stage" and item.tool_call["args"].get("deal_id") == "deal-7"
        assert not (tmp_path / "calls.json").exists()
        assert c.usage.conversation("real-hitl")[MODEL.id].calls >= 1
    finally:
        c.close()
