"""The review API (`/v1/review`), delivery to the web chat through the outbox, `/metrics`, and the
`salesagent worker` command."""

from __future__ import annotations

import time

from typer.testing import CliRunner

from app.cli import cli


def _held(client, container, conversation: str, draft: str) -> int:  # noqa: ANN001
    container.model.chat.script.append(draft)
    r = client.post(f"/v1/conversations/{conversation}/messages", json={"text": "Can I get a better price?"})
    assert r.json()["status"] == "pending_review"
    [item] = container.queue.list(conversation_id=conversation)
    return item.id


def _wait_sent(client, conversation: str, timeout: float = 20.0) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = client.get(f"/v1/conversations/{conversation}/messages").json()["messages"][-1]
        if last["status"] == "sent":
            return last
        time.sleep(0.1)
    raise AssertionError(f"nothing delivered to {conversation} within {timeout}s")


def test_roles_decisions_and_delivery_over_the_api(client, seeded_container):
    c = seeded_container
    item_id = _held(client, c, "api-1", "I can do 25% off if you sign this week.")
    rep = {"Authorization": f"Bearer {c.tokens.create('rep', 'rep-001')}"}
    alice = {"Authorization": f"Bearer {c.tokens.create('reviewer', 'alice')}"}
    bob = {"Authorization": f"Bearer {c.tokens.create('reviewer', 'bob')}"}
    assert client.get("/v1/review/items").status_code == 401
    assert client.get("/v1/review/items", headers=rep).status_code == 403
    assert client.post(f"/v1/review/items/{item_id}/decision", headers=rep,
                       json={"decision": "approve"}).status_code == 403

    [listed] = client.get("/v1/review/items", headers=alice).json()
    assert listed["id"] == item_id and listed["kind"] == "reply_draft" and "commitment" in listed["reasons"][0]
    detail = client.get(f"/v1/review/items/{item_id}", headers=alice).json()
    assert [m["role"] for m in detail["conversation"]] == ["customer", "assistant"]
    assert detail["consent"]["status"] in {"anonymous", "unknown"}

    assert client.post(f"/v1/review/items/{item_id}/claim", headers=alice).json()["claimed_by"] == "alice"
    assert client.post(f"/v1/review/items/{item_id}/claim", headers=bob).status_code == 409
    taken = client.post(f"/v1/review/items/{item_id}/decision", headers=bob, json={"decision": "approve"})
    assert taken.status_code == 409 and "alice" in taken.json()["error"]["message"]
    bad = client.post(f"/v1/review/items/{item_id}/decision", headers=alice, json={"decision": "edit", "text": " "})
    assert bad.status_code == 422
    assert client.post(f"/v1/review/items/{item_id}/decision", headers=alice,
                       json={"decision": "maybe"}).status_code == 422
    ok = client.post(f"/v1/review/items/{item_id}/decision", headers=alice,
                     json={"decision": "edit", "text": "A colleague will call you about volume pricing.",
                           "reason": "no discounts in chat"})
    assert ok.status_code == 200 and ok.json()["status"] == "edited"
    assert client.post(f"/v1/review/items/{item_id}/decision", headers=alice,
                       json={"decision": "approve"}).status_code == 409

    shown = _wait_sent(client, "api-1")
    assert shown["text"] == "A colleague will call you about volume pricing."
    assert client.get("/v1/review/items/999999", headers=alice).status_code == 404
    assert client.post("/v1/review/items/999999/claim", headers=alice).status_code == 404
    trail = [e.action for e in c.audit.entries(subject=f"review_item:{item_id}")]
    assert trail == ["review.enqueued", "review.claimed", "review.edited", "outbox.delivered"]
    assert c.audit.verify() is None


def test_metrics_show_reviewer_decisions_per_flow(client, seeded_container):
    c = seeded_container
    alice = {"Authorization": f"Bearer {c.tokens.create('reviewer', 'alice')}"}
    for i, decision in enumerate(["approve", "reject"]):
        item_id = _held(client, c, f"m-{i}", "We guarantee a refund, no questions asked.")
        body = {"decision": decision, "reason": "not our policy"}
        assert client.post(f"/v1/review/items/{item_id}/decision", headers=alice, json=body).status_code == 200
    text = client.get("/metrics").text
    assert 'salesagent_review_decisions{flow="web:customer",outcome="approved"} 1' in text
    assert 'salesagent_review_decisions{flow="web:customer",outcome="rejected"} 1' in text
    assert 'salesagent_review_approval_ratio{flow="web:customer"} 0.5000' in text
    assert 'salesagent_review_time_to_decision_seconds_count{flow="web:customer"} 2' in text
    page = client.get("/review", headers=alice)
    assert "web:customer" in page.text and "50%" in page.text


def test_rep_notifications_go_through_the_outbox(client, seeded_container):
    c = seeded_container
    assert c.notify("rep-001", {"key": "lead-42:routed", "kind": "lead_routed", "text": "New lead: Acme"})
    assert not c.notify("rep-001", {"key": "lead-42:routed", "kind": "lead_routed", "text": "New lead: Acme"})
    deadline = time.monotonic() + 20
    while not c.staff_inbox.unread(("rep:rep-001",)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [n["event"]["text"] for n in c.staff_inbox.unread(("rep:rep-001",))] == ["New lead: Acme"]


def test_worker_command_delivers_what_the_web_process_left(seeded_container, monkeypatch):
    from guardrails.access import Principal

    c = seeded_container
    c.model.chat.script.append("You get 40% off forever.")
    from agent.types import Inbound

    reply = c.runner.handle(Inbound("cli-1", "Any discount?"))
    assert reply.status == "pending_review"
    [item] = c.queue.list(conversation_id="cli-1")
    c.desk.decide(Principal("reviewer", "alice"), item.id, "reject", reason="no such offer")
    assert c.outbox.counts() == {"pending": 1}, "no worker runs in this test until the command does"
    monkeypatch.setenv("SALESAGENT_DATA_DIR", str(c.settings.data_dir))
    monkeypatch.setenv("SALESAGENT_LLM_PROVIDER", "scripted")
    monkeypatch.chdir(c.settings.data_dir)
    result = CliRunner().invoke(cli, ["worker", "--once"], catch_exceptions=False)
    assert result.exit_code == 0 and "1 outbox message" in result.output
    assert c.outbox.counts() == {"delivered": 1}
    last = c.conversations.messages("cli-1")[-1]
    assert last.status == "sent" and "follow up with you" in last.text and "40%" not in last.text
    assert c.conversations.get("cli-1").status == "handoff"


def test_a_tripped_flow_holds_even_a_sourced_price_and_the_console_says_why(client, seeded_container):
    c = seeded_container
    alice = {"Authorization": f"Bearer {c.tokens.create('reviewer', 'alice')}"}
    before = client.post("/v1/conversations/cb-0/messages", json={"text": "How much is the Pro edition?"}).json()
    assert before["status"] == "sent"
    for i in range(10):  # reviewers reject 6 of 10 drafts in the web flow: 60 % > 40 %
        item_id = _held(client, c, f"cb-{i + 1}", "We guarantee you will double your revenue.")
        body = {"decision": "reject", "reason": "overclaims"} if i < 6 else {"decision": "approve"}
        assert client.post(f"/v1/review/items/{item_id}/decision", headers=alice, json=body).status_code == 200
    c.desk.housekeeping()  # decisions re-evaluate at most once a second; housekeeping catches up
    assert c.breaker.always_review("web:customer")
    after = client.post("/v1/conversations/cb-99/messages", json={"text": "How much is the Pro edition?"}).json()
    assert after["status"] == "pending_review"
    assert "circuit_breaker" in after["reasons"]  # the customer sees the kind of check, not the details
    page = client.get("/review", headers=alice).text
    assert "Always-review:" in page and "web:customer" in page
    deadline = time.monotonic() + 20
    while not c.staff_inbox.unread(("admins",)) and time.monotonic() < deadline:
        time.sleep(0.1)
    [alert] = [n for n in c.staff_inbox.unread(("admins",)) if n["kind"] == "breaker_tripped"]
    assert "always-review" in alert["event"]["text"]
    assert any(e.action == "breaker.tripped" for e in c.audit.entries())
