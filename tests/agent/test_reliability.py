"""Errors, timeouts and garbage: retries, the fallback chain, and the safe reply plus human handoff when no
model gives a usable answer. Scripted models, and the openai provider against a fake OpenAI server."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage

from agent.middleware.garbage import garbage_reason
from agent.runner import FALLBACK
from agent.types import Inbound
from app.api import create_app
from tests.agent.fake_openai import GOOD, FakeOpenAI
from tests.agent.scripted_models import container, hosted_model, small_model
from tests.conftest import chat_client


def _assert_handoff(c, conversation: str, reply, kind: str) -> None:  # noqa: ANN001
    assert reply.status == "handoff" and reply.text == FALLBACK["en"]
    assert any(kind in r for r in reply.reasons), reply.reasons
    [item] = [i for i in c.queue.list(kind="handoff") if i.conversation_id == conversation]
    assert item.rules == ["model_unavailable"]
    assert c.conversations.get(conversation).status == "handoff"
    # the checkpointed history says what the customer saw, not the garbage
    last = c.runner.agent.get_state({"configurable": {"thread_id": conversation}}).values["messages"][-1]
    assert last.content == FALLBACK["en"]


@pytest.mark.parametrize("garbage, kind", [("", "empty"), ("   \n", "empty"), ("buy " * 50, "repetition"),
                                           ("好" * 40, "repetition")])
def test_garbage_from_a_hosted_model_is_retried_then_handed_to_a_person(data_dir, garbage, kind):
    model = hosted_model([garbage, garbage])
    c = container(data_dir, model)
    try:
        reply = c.runner.handle(Inbound("g-1", "How much is the Pro edition?"))
        _assert_handoff(c, "g-1", reply, kind)
        assert len(model.chat.calls) == 2  # the first try and one retry
    finally:
        c.close()


def test_invalid_json_from_a_constrained_model_reaches_the_handoff(data_dir):
    model = small_model(['{"action": "answer", "text": "The Pro', "Sure! The Pro edition is great."])
    c = container(data_dir, model)
    try:
        _assert_handoff(c, "g-2", c.runner.handle(Inbound("g-2", "How much is the Pro edition?")), "invalid_json")
    finally:
        c.close()


def test_garbage_once_then_a_good_answer_is_just_a_retry(data_dir):
    model = small_model(["", json.dumps({"action": "answer", "text": "Yes, SSO is available in Pro [1]."})])
    c = container(data_dir, model)
    try:
        reply = c.runner.handle(Inbound("g-3", "Do you support SSO?"))
        assert reply.status != "handoff" and not c.queue.list(kind="handoff")
    finally:
        c.close()


def test_the_fallback_model_answers_when_the_primary_returns_garbage(data_dir):
    primary = small_model(["nonsense", "nonsense"], name="tiny-local")
    primary.fallbacks = [hosted_model(["I don't know that from our documentation; shall I connect you with a "
                                       "person from our team?"], name="hosted-fallback")]
    c = container(data_dir, primary)
    try:
        reply = c.runner.handle(Inbound("g-4", "Can I pay in bitcoin?"))
        assert reply.status in {"sent", "pending_review"}
        assert c.conversations.messages("g-4")[-1].text.startswith("I don't know")
        used = c.usage.conversation("g-4")
        assert used["tiny-local"].calls == 2 and used["hosted-fallback"].calls == 1
    finally:
        c.close()


def test_garbage_reason_leaves_ordinary_answers_alone():
    ordinary = ["The Pro edition costs $49 per user per month, billed annually [1]. It includes SSO, audit logs "
                "and priority support, and you can start a 14-day trial from the pricing page [2].",
                "专业版每位用户每月 49 美元，按年计费 [1]。包含单点登录、审计日志和优先支持。",
                "Yes. Yes, it does: yes [1]."]
    assert [garbage_reason(AIMessage(t)) for t in ordinary] == [None, None, None]
    assert garbage_reason(AIMessage("", tool_calls=[{"name": "x", "args": {}, "id": "1"}])) is None
    assert garbage_reason(AIMessage("ok \x00\x01 ok")) == "undecodable"


# -- the openai provider against a fake OpenAI-compatible server ---------------------------------------

def _openai_container(data_dir, fake: FakeOpenAI, primary: str, fallbacks: list[str], **extra):  # noqa: ANN001, ANN202
    chain = [{"provider": "openai", "model": f"{mode}-model", "base_url": fake.url(mode), "api_key": "sk-test",
              "context": 8192} for mode in fallbacks]
    settings = {"llm_provider": "openai", "llm_model": f"{primary}-model", "llm_base_url": fake.url(primary),
                "llm_api_key": "sk-test", "llm_max_retries": 1, "llm_timeout_s": 5.0, "llm_fallbacks": chain,
                "llm_context": 8192, **extra}
    return container(data_dir, None, **settings)


def test_server_errors_are_retried_by_the_client_then_the_fallback_answers(data_dir):
    with FakeOpenAI() as fake:
        c = _openai_container(data_dir, fake, "error", ["good"])
        try:
            reply = c.runner.handle(Inbound("o-1", "Can I pay in bitcoin?"))
            assert reply.status in {"sent", "pending_review"}
            assert c.conversations.messages("o-1")[-1].text == GOOD
            assert fake.count("error") == 2  # the first call and llm_max_retries=1 (the client's own retry)
            assert fake.count("good") == 1
            assert set(c.usage.conversation("o-1")) == {"good-model"}  # failed calls cost nothing
        finally:
            c.close()


def test_a_timeout_falls_back(data_dir):
    with FakeOpenAI(slow_s=2.0) as fake:
        c = _openai_container(data_dir, fake, "slow", ["good"], llm_timeout_s=0.5, llm_max_retries=0)
        try:
            reply = c.runner.handle(Inbound("o-2", "Can I pay in bitcoin?"))
            assert reply.status in {"sent", "pending_review"} and fake.count("good") == 1
        finally:
            c.close()


# garbage content is asked for again once per model (llm_garbage_retries=1); a body that is not even JSON
# is a failed call: the next model of the chain, no retry
@pytest.mark.parametrize("mode, kind, calls", [("garbage", "repetition", 4), ("empty", "empty", 4),
                                               ("badjson", "call failed", 2)])
def test_garbage_from_every_model_of_the_chain_ends_in_the_handoff(data_dir, mode, kind, calls):
    with FakeOpenAI() as fake:
        c = _openai_container(data_dir, fake, mode, [mode], llm_max_retries=0)
        try:
            _assert_handoff(c, "o-3", c.runner.handle(Inbound("o-3", "How much is the Pro edition?")), kind)
            assert fake.count(mode) == calls
        finally:
            c.close()


def test_the_web_stream_ends_in_the_handoff_when_the_model_returns_garbage(data_dir):
    with FakeOpenAI() as fake:
        c = _openai_container(data_dir, fake, "garbage", [], llm_max_retries=0, outbox_in_process=False)
        try:
            with chat_client(create_app(c)) as tc:
                r = tc.post("/v1/conversations/o-4/stream", json={"text": "How much is the Pro edition?"})
            events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
            assert events[-1]["status"] == "handoff" and events[-1]["text"] == FALLBACK["en"]
            shown = "".join(e["text"] for e in events if e["type"] == "delta")
            assert shown.count("buy now") < 20, "the stream must stop showing a degenerate loop"
            assert fake.requests and all(b.get("stream") for _, b in fake.requests)  # it really streamed
        finally:
            c.close()
