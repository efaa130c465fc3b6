"""The review desk passes who is asking down to the queue: reassigning is no way around an assignment or
someone else's claim, through the desk or over the review API."""

from __future__ import annotations

import pytest

from guardrails.access import Principal
from guardrails.verification.queue import Conflict

ADMIN, ALICE, BOB = Principal("admin", "admin"), Principal("reviewer", "alice"), Principal("reviewer", "bob")


def _item(c, n: int) -> int:  # noqa: ANN001
    return c.queue.enqueue(conversation_id=f"web-desk-{n}", draft=f"Draft {n}", reasons=["test"], channel="web").id


def test_a_reviewer_cannot_take_an_item_by_reassigning_it(db_container):
    desk = db_container.desk
    assigned, held = _item(db_container, 1), _item(db_container, 2)
    assert desk.reassign(ADMIN, assigned, "alice").assigned_to == "alice"
    assert desk.claim(BOB, assigned) is None
    with pytest.raises(Conflict, match="assigned to alice"):
        desk.reassign(BOB, assigned, "bob")
    with pytest.raises(Conflict):
        desk.decide(BOB, assigned, "approve")

    assert desk.claim(ALICE, held).claimed_by == "alice"
    with pytest.raises(Conflict, match="claimed by alice"):
        desk.reassign(BOB, held, "bob")
    assert db_container.queue.get(held).claimed_by == "alice"

    assert desk.reassign(ALICE, held, "bob").assigned_to == "bob"  # the lease holder may hand it on
    assert desk.decide(BOB, held, "approve").decided_by == "bob"
    assert desk.decide(ADMIN, assigned, "approve").decided_by == "admin"
    assert db_container.audit.verify() is None


def test_the_review_api_refuses_a_reassignment_to_oneself(client, seeded_container):
    c = seeded_container
    headers = {who: {"Authorization": f"Bearer {c.tokens.create(role, who)}"}
               for role, who in [("admin", "root"), ("reviewer", "alice"), ("reviewer", "bob")]}
    assigned, held = _item(c, 1), _item(c, 2)

    def post(who: str, item: int, action: str, body: dict | None = None):  # noqa: ANN202
        return client.post(f"/v1/review/items/{item}/{action}", headers=headers[who], json=body)

    assert post("root", assigned, "reassign", {"to": "alice"}).json()["assigned_to"] == "alice"
    assert post("bob", assigned, "claim").status_code == 409
    refused = post("bob", assigned, "reassign", {"to": "bob"})
    assert refused.status_code == 409 and "alice" in refused.json()["error"]["message"]
    assert post("bob", assigned, "decision", {"decision": "approve"}).status_code == 409

    assert post("alice", held, "claim").json()["claimed_by"] == "alice"
    assert post("bob", held, "reassign", {"to": "bob"}).status_code == 409
    assert post("bob", held, "decision", {"decision": "reject", "reason": "x"}).status_code == 409
    assert c.queue.get(held).claimed_by == "alice" and c.queue.get(assigned).assigned_to == "alice"
    # the console's form goes through the same desk
    client.cookies.set("salesagent_session", headers["bob"]["Authorization"][7:])
    assert client.post(f"/review/items/{held}/reassign", data={"to": "bob"}).status_code == 409
    client.cookies.clear()
    assert c.queue.get(held).claimed_by == "alice"
