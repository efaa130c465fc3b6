"""Tool calls for models without native tool calling: JSON steps become ordinary tool calls that the loop,
the consent guard and the approval gate handle unchanged; the stream shows the answer, never the JSON."""

from __future__ import annotations

import json

from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from agent.middleware.constrained import AnswerStream, cued_for_customer, parse_step, step_schema, tool_menu
from agent.middleware.garbage import ModelGarbage
from agent.types import Inbound
from tests.agent.risky_tools import set_deal_stage
from tests.agent.scripted_models import container, json_answer, small_model, step


def _schema(kwargs: dict) -> dict:
    return kwargs["extra_body"]["response_format"]["json_schema"]["schema"]


def _actions(schema: dict) -> list[str]:
    return [b["properties"]["action"]["const"] for b in schema.get("anyOf", [schema])]


def test_a_json_step_becomes_a_tool_call_that_runs_through_the_loop_and_the_consent_guard(data_dir):
    model = small_model([step("search_knowledge", args={"query": "Pro edition price"}), json_answer])
    c = container(data_dir, model)
    try:
        reply = c.runner.handle(Inbound("ct-1", "How much is the Pro edition?"))
        chat = model.chat
        first, second = chat.call_kwargs[0], chat.call_kwargs[1]
        # the model was asked for one of the tools (their own argument schemas) or an answer, tools first
        actions = _actions(_schema(first))
        assert actions[-1] == "answer" and "search_knowledge" in actions and "ask_for_consent" in actions
        branch = next(b for b in _schema(first)["anyOf"] if b["properties"]["action"]["const"] == "search_knowledge")
        assert branch["properties"]["args"]["required"] == ["query"]
        assert "runtime" not in branch["properties"]["args"]["properties"]  # injected, never the model's
        # the step instructions and tool menu sit before the per-turn sources (one cached prompt prefix)
        system = str(chat.calls[0][0].content)
        assert system.count("Decide the next step") == 1
        assert system.index("- search_knowledge:") < system.index("Sources:")
        # after the result the answer branch comes first, and the result reached the model as text
        assert _actions(_schema(second))[0] == "answer"
        assert any("[result of search_knowledge]" in str(m.content) for m in chat.calls[1])
        # the consent guard saw an ordinary tool call
        audited = [e for e in c.audit.entries(subject="conversation:ct-1") if e.action == "tool.search_knowledge"]
        assert audited and audited[0].detail["outcome"] == "ok"
        stored = c.conversations.messages("ct-1")[-1]
        assert reply.status in {"sent", "pending_review"} and stored.role == "assistant"
        assert stored.text.startswith("According to our documentation") and "{" not in stored.text
        assert reply.citations or reply.status == "pending_review"
    finally:
        c.close()


def test_a_risky_tool_chosen_in_json_waits_for_a_reviewer(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKY_TOOL_LOG", str(tmp_path / "calls.json"))
    model = small_model([step("set_deal_stage", args={"deal_id": "deal-7", "stage": "won"})])
    c = container(data_dir, model, tools=[set_deal_stage])
    try:
        reply = c.runner.handle(Inbound("ct-2", "We signed! Please mark deal-7 as won.", persona="rep"))
        assert reply.status == "pending_review"
        [item] = c.queue.list(kind="tool_call")
        assert item.tool_call["name"] == "set_deal_stage" and item.tool_call["args"] == {"deal_id": "deal-7",
                                                                                         "stage": "won"}
        assert not (tmp_path / "calls.json").exists()
    finally:
        c.close()


def test_after_the_tool_rounds_only_an_answer_is_offered(data_dir):
    model = small_model([step("search_knowledge", args={"query": "sso"}),
                         step("search_knowledge", args={"query": "single sign-on"}), json_answer])
    c = container(data_dir, model)
    try:
        c.runner.handle(Inbound("ct-3", "Do you support SSO?"))
        schemas = [_schema(k) for k in model.chat.call_kwargs]
        assert len(schemas) == 3 and _actions(schemas[2]) == ["answer"]
        assert "reply using what you have" in str(model.chat.calls[2][0].content)
    finally:
        c.close()


def test_a_repeated_call_ends_the_tool_rounds():
    from langchain_core.messages import AIMessage, ToolMessage

    from agent.middleware.constrained import _exhausted

    call = {"name": "search_knowledge", "args": {"query": "sso"}, "id": "a"}
    turn = [HumanMessage("sso?"), AIMessage("", tool_calls=[call]), ToolMessage("[]", tool_call_id="a")]
    assert not _exhausted(turn, 3)
    again = [*turn, AIMessage("", tool_calls=[{**call, "id": "b"}]), ToolMessage("[]", tool_call_id="b")]
    assert _exhausted(again, 3)


def test_the_stream_shows_the_answer_text_never_the_json(data_dir):
    model = small_model([json_answer])
    c = container(data_dir, model)
    try:
        events = list(c.runner.stream(Inbound("ct-4", "Do you support SSO?")))
        deltas = "".join(e["text"] for e in events if e["type"] == "delta")
        final = events[-1]
        assert final["type"] == "reply" and final["status"] == "sent", final
        assert deltas.strip() and '"action"' not in deltas and "{" not in deltas
        assert deltas.split()[:4] == final["text"].split()[:4]
    finally:
        c.close()


def test_answer_stream_decodes_split_json_and_ignores_tool_steps():
    text = 'Pro costs "$49" per seat\n— 专业版 [1]. \\ done'
    raw = json.dumps({"action": "answer", "text": text}, ensure_ascii=True)
    reader = AnswerStream()
    assert "".join(reader.feed(ch) for ch in raw) == text
    tool = AnswerStream()
    assert "".join(tool.feed(p) for p in ['{"action": "search_', 'knowledge", "args": {"text": "x"}}']) == ""


def test_parse_step_refuses_what_is_not_an_allowed_step():
    names = {"search_knowledge"}
    assert parse_step('{"action": "search_knowledge", "args": {"query": "x"}}', names).tool_calls[0]["args"] == \
        {"query": "x"}
    assert parse_step('{"action": "answer", "text": "Hi"}', names).content == "Hi"
    for bad, kind in [('{"action": "answer"', "invalid_json"), ("Sure! Here you go", "invalid_json"),
                      ('{"action": "drop_tables", "args": {}}', "unknown_tool"), ('["answer"]', "invalid_step"),
                      ('{"action": "search_knowledge", "args": "x"}', "invalid_args")]:
        try:
            parse_step(bad, names)
        except ModelGarbage as exc:
            assert exc.kind == kind, bad
        else:
            raise AssertionError(f"accepted {bad!r}")


def test_the_tool_menu_is_one_short_line_per_tool():
    @tool("lookup_account")
    def lookup_account(name: str, region: str = "") -> str:
        """Look up a customer account. Returns its plan, seats and owner, and many more details
        that a small model does not need to read."""
        return ""

    menu = tool_menu([lookup_account])
    assert menu == "- lookup_account: Look up a customer account. args: name, region"
    schema = step_schema([lookup_account])
    assert _actions(schema) == ["lookup_account", "answer"]
    assert "title" not in json.dumps(schema)


def test_a_customer_is_offered_sales_and_handoff_tools_only_when_they_ask_for_them(data_dir):
    question = [HumanMessage("How do I connect Grafana? Do I need a plugin?")]
    assert cued_for_customer([], question) == []
    model = small_model([json_answer] * 6)
    c = container(data_dir, model)
    try:
        c.runner.handle(Inbound("cue-1", "How do I connect Grafana? Do I need a plugin?"))
        offered = _actions(_schema(model.chat.call_kwargs[0]))
        # a how-to question: no lead, qualification, handoff or account lookup for the model to pick by mistake
        assert "search_knowledge" in offered and "answer" in offered
        assert not {"create_or_update_lead", "qualify_lead", "handoff_to_human", "customer_360"} & set(offered)
        c.runner.handle(Inbound("cue-1", "We'd like a quote for 20 seats, please have sales contact me."))
        offered = _actions(_schema(model.chat.call_kwargs[1]))
        assert {"create_or_update_lead", "qualify_lead"} <= set(offered) and "handoff_to_human" not in offered
        c.runner.handle(Inbound("cue-2", "转人工"))
        assert "handoff_to_human" in _actions(_schema(model.chat.call_kwargs[2]))
        # a rep is offered everything the role allows, cue or not
        c.runner.handle(Inbound("cue-3", "How do I connect Grafana?", persona="rep"))
        assert "create_or_update_lead" in _actions(_schema(model.chat.call_kwargs[3]))
    finally:
        c.close()
