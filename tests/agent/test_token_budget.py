"""Token budget: passages and history sized from the model's window, tiktoken counts of every call recorded
per conversation with their cost, shown in the API (staff only) and in /metrics."""

from __future__ import annotations

import json

from langchain_core.messages import SystemMessage

from agent.budget import TokenBudget, message_tokens
from agent.middleware.history import keep_newest
from agent.types import Inbound
from app.api import create_app
from retrieval.tokens import count_tokens
from tests.agent.scripted_models import container, hosted_model, json_answer, small_model
from tests.conftest import chat_client

PRICES = {"hosted": {"input_per_1k": 0.5, "output_per_1k": 1.5}}


def test_a_small_window_gets_fewer_shorter_passages_than_a_large_one():
    small, large = TokenBudget(4096, 384).passages(), TokenBudget(128_000, 1024).passages()
    assert small[0] * small[1] <= 4096 // 8 < large[0] * large[1]
    assert large == (4, 450) and small[0] < 4
    assert TokenBudget(4096, 384, max_passages=1).passages()[0] == 1


def test_history_keeps_the_newest_messages_that_fit():
    from langchain_core.messages import AIMessage, HumanMessage

    old = [HumanMessage("word " * 300), AIMessage("reply " * 300)]
    new = [HumanMessage("What about SSO?")]
    kept = keep_newest([*old, *new], budget=200)
    assert kept == new
    assert keep_newest([*old, *new], budget=10_000) == [*old, *new]


def test_the_local_window_shapes_the_prompt_and_history_is_trimmed_to_fit(data_dir):
    chat_steps = [json_answer] * 6
    model = small_model(chat_steps, context=2048)
    c = container(data_dir, model)
    try:
        assert c.runner.retrieval_k == TokenBudget(2048, 384).passages()[0] == 1
        long_question = "Tell me everything about your reporting features and dashboards. " * 40
        for i in range(4):
            c.runner.handle(Inbound("b-1", long_question + f" ({i})"))
        last_call = model.chat.calls[-1]
        system, history = last_call[0], last_call[1:]
        assert isinstance(system, SystemMessage)
        # every call fits the window with the answer's reserve, by tiktoken's count
        budget = TokenBudget(2048, 384)
        for call in model.chat.calls:
            assert sum(message_tokens(m.content) for m in call) <= budget.usable + message_tokens(call[-1].content)
        assert len(history) < 7, "older turns were dropped to fit"
        assert history[-1].content.endswith("(3)")
    finally:
        c.close()


def test_usage_is_counted_per_call_priced_and_shown_to_staff_only(data_dir):
    model = hosted_model(["Our Pro edition includes SSO [1].", "You're welcome!"])
    c = container(data_dir, model, llm_prices=PRICES, outbox_in_process=False)
    try:
        c.runner.handle(Inbound("u-1", "Does Pro include SSO?"))
        c.runner.handle(Inbound("u-1", "Thanks!"))
        [row] = c.usage.conversation("u-1").values()
        assert row.calls == 2
        # the input count is tiktoken's over what the model received: system prompt, history and tool schemas
        first = model.chat.calls[0]
        assert row.input_tokens > sum(count_tokens(str(m.content)) for m in first) + sum(
            count_tokens(str(m.content)) for m in model.chat.calls[1])
        assert row.output_tokens == count_tokens("Our Pro edition includes SSO [1].") + count_tokens("You're welcome!")
        assert abs(row.cost - (row.input_tokens * 0.5 + row.output_tokens * 1.5) / 1000) < 1e-9
        with chat_client(create_app(c)) as tc:
            assert tc.get("/v1/conversations/u-1/usage").status_code == 401
            rep = c.tokens.create("rep", "rep-1")
            assert tc.get("/v1/conversations/u-1/usage", headers={"authorization": f"Bearer {rep}"}).status_code == 403
            admin = {"authorization": f"Bearer {c.tokens.create('admin', 'ops')}"}
            body = tc.get("/v1/conversations/u-1/usage", headers=admin).json()
            assert body["input_tokens"] == row.input_tokens and body["output_tokens"] == row.output_tokens
            assert body["models"][0]["model"] == "hosted" and body["models"][0]["calls"] == 2
            assert body["currency"] == "USD" and body["cost"] == round(row.cost, 6)
            assert tc.get("/v1/conversations/nope/usage", headers=admin).status_code == 404
            metrics = tc.get("/metrics").text
        assert f'salesagent_llm_tokens_total{{model="hosted",direction="input"}} {row.input_tokens}' in metrics
        assert f'salesagent_llm_tokens_total{{model="hosted",direction="output"}} {row.output_tokens}' in metrics
        assert 'salesagent_llm_calls_total{model="hosted"} 2' in metrics
    finally:
        c.close()


def test_a_constrained_model_is_charged_for_the_json_it_wrote(data_dir):
    answer = json.dumps({"action": "answer", "text": "Yes, Pro includes SSO [1]."})
    model = small_model([answer])
    c = container(data_dir, model)
    try:
        c.runner.handle(Inbound("u-2", "Does Pro include SSO?"))
        [row] = c.usage.conversation("u-2").values()
        assert row.output_tokens == count_tokens(answer) and row.cost == 0.0
    finally:
        c.close()


def test_tool_schemas_are_counted_once_per_tool_and_dict_schemas_every_time():
    from langchain_core.tools import tool
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from agent.middleware.history import schema_tokens

    @tool
    def lookup_order(order_id: str) -> str:
        """Look up an order by its id."""
        return order_id

    exact = count_tokens(json.dumps(convert_to_openai_tool(lookup_order), ensure_ascii=False))
    assert schema_tokens(lookup_order) == exact == schema_tokens(lookup_order)
    schema = {"type": "function", "function": {"name": "f", "description": "short", "parameters": {}}}
    before = schema_tokens(schema)
    schema["function"]["description"] = "a much longer description of what this function does, word after word"
    assert schema_tokens(schema) > before
