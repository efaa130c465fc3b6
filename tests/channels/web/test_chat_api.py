"""End to end over HTTP with the scripted model: retrieval over the demo docs, citations, persistence."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import httpx
import pytest

from app.demo.seed import DOCS
from channels.web.access import KEY_HEADER
from tests.channels.browser import live_server
from tests.conftest import chat_client

DOCS_ROOT = DOCS["public"]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_question_gets_cited_answer_and_both_messages_are_persisted(client):
    r = client.post("/v1/conversations/demo-1/messages", json={"text": "How much is the Pro edition?"})
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["status"] == "sent"
    assert reply["citations"], "the answer must cite a source"
    cit = reply["citations"][0]
    source_file = DOCS_ROOT / cit["source"]
    assert source_file.is_file(), f"cited source {cit['source']} is not a demo doc"
    assert _norm(cit["quote"]) in _norm(source_file.read_text(encoding="utf-8"))
    assert "Pro" in cit["quote"] and re.search(r"\$\s?\d", reply["text"]), reply["text"]
    assert "[1]" in reply["text"]

    history = client.get("/v1/conversations/demo-1/messages").json()
    roles = [(m["role"], m["status"]) for m in history["messages"]]
    assert roles == [("customer", "sent"), ("assistant", "sent")]
    assert history["messages"][0]["text"] == "How much is the Pro edition?"
    assert history["messages"][1]["text"] == reply["text"]
    assert history["messages"][1]["citations"] == reply["citations"]


def test_stream_sends_deltas_then_the_final_reply(client):
    with client.stream("POST", "/v1/conversations/s-1/stream", json={"text": "How much is the Pro edition?"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in events][-1] == "reply"
    deltas = "".join(e["text"] for e in events if e["type"] == "delta")
    final = events[-1]
    assert deltas.strip(), "text should stream before the final event"
    assert final["citations"] and final["status"] == "sent"
    stored = client.get("/v1/conversations/s-1/messages").json()["messages"]
    assert stored[-1]["text"] == final["text"]


def test_chinese_question_gets_a_chinese_reply(client):
    r = client.post("/v1/conversations/zh-1/messages", json={"text": "专业版的价格是多少？"})
    assert r.status_code == 200
    assert r.json()["language"] == "zh"
    assert re.search(r"[\u4e00-\u9fff]", r.json()["text"])


def test_unknown_conversation_is_404(client):
    r = client.get("/v1/conversations/never-seen/messages")
    assert r.status_code == 404
    assert "no conversation" in r.json()["error"]["message"]


def test_bad_input_gets_clear_errors_and_changes_nothing(client):
    url = "/v1/conversations/bad-1/messages"
    cases = [
        (client.post(url, json={"text": ""}), 422, "empty"),
        (client.post(url, json={"text": "   \n "}), 422, "empty"),
        (client.post(url, json={"text": "x" * 9000}), 413, "limit"),
        (client.post(url, content=json.dumps({"text": "x" * 100_000}),
                     headers={"content-type": "application/json"}), 413, "larger than"),
        (client.post(url, content="{not json", headers={"content-type": "application/json"}), 422, "not valid JSON"),
        (client.post(url, content="text=hi", headers={"content-type": "application/x-www-form-urlencoded"}), 415,
         "application/json"),
        (client.post(url, json={"wrong": "field"}), 422, "text"),
        (client.post("/v1/conversations/bad id!/messages", json={"text": "hi"}), 422, "conversation_id"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, (response.status_code, response.text)
        assert words in response.json()["error"]["message"], response.text
    assert client.get(url).status_code == 404, "no rejected request may create the conversation"


def test_retried_client_message_id_is_not_processed_twice(client):
    url = "/v1/conversations/idem-1/messages"
    first = client.post(url, json={"text": "How much is the Pro edition?", "client_message_id": "m-1"})
    again = client.post(url, json={"text": "How much is the Pro edition?", "client_message_id": "m-1"})
    assert first.status_code == 200 and again.status_code == 409
    assert len(client.get(url).json()["messages"]) == 2


def test_pages_and_health(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    page = client.get("/")
    assert page.status_code == 200 and "/stream" in page.text
    assert client.get("/review").status_code == 401
    assert "/v1/conversations/{conversation_id}/messages" in client.get("/openapi.json").json()["paths"]


def test_reviewer_console_lists_held_drafts_after_sign_in(client, seeded_container):
    seeded_container.queue.enqueue(conversation_id="c-9", draft="We can give you 30% off.", reasons=["commitment"])
    assert client.post("/review/signin", data={"token": "wrong"}).status_code == 401
    rep = seeded_container.tokens.create("rep", "rep-001")
    assert client.post("/review/signin", data={"token": rep}, follow_redirects=True).status_code == 403
    reviewer = seeded_container.tokens.create("reviewer", "alice")
    r = client.post("/review/signin", data={"token": reviewer}, follow_redirects=True)
    assert r.status_code == 200
    assert "We can give you 30% off." in r.text and "commitment" in r.text


def test_draft_with_a_discount_waits_for_review_and_the_customer_sees_a_holding_reply(client, seeded_container):
    seeded_container.model.chat.script.append("Sure, I can give you a 20% discount on Pro.")
    r = client.post("/v1/conversations/disc-1/messages", json={"text": "Can I get a discount?"})
    body = r.json()
    assert body["status"] == "pending_review"
    assert "discount" not in body["text"] and body["reasons"]
    [item] = seeded_container.queue.pending()
    assert item.conversation_id == "disc-1" and "20% discount" in item.draft
    shown = client.get("/v1/conversations/disc-1/messages").json()["messages"][-1]
    assert shown["status"] == "pending_review" and "20%" not in shown["text"]


def test_model_endpoint_down_gives_polite_fallback_and_loses_nothing(data_dir: Path, caplog):

    from agent.llm.local import free_port
    from app.api import create_app
    from app.container import Container
    from tests.conftest import make_settings

    s = make_settings(data_dir, llm_provider="openai", llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
                      llm_api_key="sk-test-secret", llm_timeout_s=2, llm_max_retries=0)
    c = Container(s)
    c.setup_database()
    with chat_client(create_app(c)) as tc, caplog.at_level("ERROR"):
        r = tc.post("/v1/conversations/down-1/messages", json={"text": "How much is the Pro edition?"})
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "handoff" and "person" in body["text"]
        history = tc.get("/v1/conversations/down-1/messages").json()
    c.close()
    assert history["status"] == "handoff"
    assert [m["role"] for m in history["messages"]] == ["customer", "assistant"]
    assert history["messages"][0]["text"] == "How much is the Pro edition?"
    assert any("model call failed" in rec.getMessage() for rec in caplog.records)
    assert "sk-test-secret" not in caplog.text
    [item] = c.queue.pending()
    assert item.conversation_id == "down-1" and item.reasons[0].startswith("model_unavailable")


def test_a_chunked_body_over_the_limit_gets_413_like_one_with_a_length(client):
    url = "/v1/conversations/chunked-1/messages"
    big = json.dumps({"text": "x" * 100_000}).encode()

    def chunks(body: bytes):  # noqa: ANN202 - no length known: httpx sends Transfer-Encoding: chunked
        yield from (body[i:i + 4096] for i in range(0, len(body), 4096))

    with_length = client.post(url, content=big, headers={"content-type": "application/json"})
    chunked = client.post(url, content=chunks(big), headers={"content-type": "application/json"})
    assert chunked.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in chunked.request.headers
    assert with_length.status_code == chunked.status_code == 413, chunked.text
    assert chunked.json() == with_length.json() == {"error": {"code": 413,
                                                              "message": "request body is larger than 65536 bytes"}}
    small = client.post(url, content=chunks(json.dumps({"text": "How much is the Pro edition?"}).encode()),
                        headers={"content-type": "application/json"})
    assert small.status_code == 200 and small.json()["status"] == "sent", "a chunked body within the limit is read"


FIRST_ANSWER = "The Pro edition is $49 per user per month."


def _race(container, second_path: str) -> dict[str, httpx.Response]:  # noqa: ANN001
    """On a live server (its worker threads), a customer sends a message to a started conversation while
    the reply to the one before is still being written; returns both responses."""
    from agent.llm.local import free_port
    from app.api import create_app

    started, release = threading.Event(), threading.Event()

    def slow_reply(_messages):  # noqa: ANN001, ANN202
        started.set()
        release.wait(30)
        return FIRST_ANSWER

    cid, got = "turns-1", {}
    with live_server(create_app(container), free_port()) as base:
        first = httpx.post(f"{base}/v1/conversations/{cid}/messages", json={"text": "Hello"}, timeout=60)
        headers = {KEY_HEADER: first.headers[KEY_HEADER]}
        container.model.chat.script.append(slow_reply)

        def send(name: str, path: str, text: str) -> None:
            got[name] = httpx.post(f"{base}/v1/conversations/{cid}/{path}", json={"text": text}, headers=headers,
                                   timeout=60)

        a = threading.Thread(target=send, args=("first", "messages", "How much is the Pro edition?"))
        a.start()
        assert started.wait(30), "the first reply did not start"
        b = threading.Thread(target=send, args=("second", second_path, "And with SSO?"))
        b.start()
        b.join(2)  # time enough for a second turn to run beside the first (it did before)
        release.set()
        a.join(60)
        b.join(60)
    return got


def test_a_second_message_waits_for_the_reply_in_progress(seeded_container):
    got = _race(seeded_container, "stream")
    assert got["first"].status_code == got["second"].status_code == 200, got["second"].text
    assert "event: reply" in got["second"].text
    stored = seeded_container.conversations.messages("turns-1")
    assert [m.role for m in stored] == ["customer", "assistant"] * 3, [(m.role, m.text[:30]) for m in stored]
    assert [m.text for m in stored[2:4]] == ["How much is the Pro edition?", FIRST_ANSWER]
    last_call = "\n".join(str(m.content) for m in seeded_container.model.chat.calls[-1])
    assert FIRST_ANSWER in last_call, "the second reply is written with the first one as context"


@pytest.mark.parametrize("path", ["messages", "stream"])
def test_a_message_that_waits_too_long_gets_409(seeded_container, monkeypatch, path):
    monkeypatch.setattr("channels.web.api.TURN_WAIT_S", 0.5)
    got = _race(seeded_container, path)
    assert got["first"].status_code == 200
    assert got["second"].status_code == 409
    assert "a reply is still being written" in got["second"].json()["error"]["message"]
    stored = seeded_container.conversations.messages("turns-1")
    assert [m.role for m in stored] == ["customer", "assistant"] * 2, "the refused message is not kept"


@pytest.mark.parametrize("path", ["messages", "stream"])
def test_a_turn_running_in_another_process_holds_a_message_up_then_409(seeded_container, monkeypatch, path):
    """The lock is the runner's lease in the database: a turn another server process or channel is running
    (here: a lease taken through another engine on the same file) holds the web message up as well."""
    from agent.turns import TurnLeases
    from app.api import create_app
    from app.db import make_engine

    monkeypatch.setattr("channels.web.api.TURN_WAIT_S", 0.5)
    engine = make_engine(seeded_container.settings.database_url)
    url = "/v1/conversations/elsewhere-1"
    with chat_client(create_app(seeded_container)) as tc:
        headers = {KEY_HEADER: tc.post(f"{url}/messages", json={"text": "Hello"}).headers[KEY_HEADER]}
        with TurnLeases(engine).hold("elsewhere-1"):
            busy = tc.post(f"{url}/{path}", json={"text": "How much is the Pro edition?"}, headers=headers)
        after = tc.post(f"{url}/{path}", json={"text": "How much is the Pro edition?"}, headers=headers)
    engine.dispose()
    assert busy.status_code == 409, busy.text
    assert "a reply is still being written" in busy.json()["error"]["message"]
    assert after.status_code == 200, "released: the next message is answered"
    stored = seeded_container.conversations.messages("elsewhere-1")
    assert [m.role for m in stored] == ["customer", "assistant"] * 2, "the refused message is not kept"
