"""The review queue on SQLite and PostgreSQL: claims, leases, decisions, SLA, expiry."""

from __future__ import annotations

import threading

import pytest

from guardrails.verification.queue import Conflict, NotFound, QueueError


def _draft(queue, n: int = 0, **kw):  # noqa: ANN001, ANN202
    return queue.enqueue(conversation_id=f"c-{n}", draft=f"Pro costs $39 today ({n}).", reasons=["price"],
                         flow="web:customer", **kw)


def test_two_reviewers_claiming_concurrently_never_get_the_same_item(queue):
    ids = {_draft(queue, i).id for i in range(30)}
    got: dict[str, list[int]] = {"alice": [], "bob": [], "carol": []}
    start = threading.Barrier(len(got))
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            start.wait()
            while (item := queue.claim(name)) is not None:
                got[name].append(item.id)
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    claimed = [i for lst in got.values() for i in lst]
    assert len(claimed) == len(set(claimed)), "an item was handed to two reviewers"
    assert set(claimed) == ids, "every item was claimed exactly once"
    assert all(queue.get(i).status == "claimed" for i in ids)


def test_a_claimed_item_is_not_handed_to_someone_else_until_its_lease_expires(queue, clock):
    item = _draft(queue)
    assert queue.claim("alice").id == item.id
    assert queue.claim("bob") is None
    assert queue.claim("bob", item.id) is None
    with pytest.raises(Conflict, match="claimed by alice"):
        queue.decide(item.id, "bob", "approve")
    clock.advance(seconds=61)
    assert queue.reap_leases() == 1
    back = queue.get(item.id)
    assert back.status == "pending" and back.claimed_by == ""
    taken = queue.claim("bob")
    assert taken.id == item.id and taken.claimed_by == "bob"
    with pytest.raises(Conflict):
        queue.decide(item.id, "alice", "approve")  # alice's lease is gone; bob holds it now
    assert queue.decide(item.id, "bob", "approve").status == "approved"


def test_expired_lease_is_claimable_even_before_the_reaper_runs(queue, clock):
    item = _draft(queue)
    queue.claim("alice")
    clock.advance(seconds=61)
    assert queue.claim("bob").id == item.id


def test_decisions_record_text_diffs_and_refuse_a_second_decision(queue):
    a, b, c = _draft(queue, 1), _draft(queue, 2), _draft(queue, 3)
    approved = queue.decide(a.id, "alice", "approve")
    assert approved.status == "approved" and approved.final_text == a.draft and approved.edit_ratio == 0
    edited = queue.decide(b.id, "alice", "edit", text="Pro costs $49 per user per month [1].", reason="price")
    assert edited.status == "edited" and edited.final_text.startswith("Pro costs $49")
    assert "-Pro costs $39 today (2)." in edited.edit_diff and "+Pro costs $49" in edited.edit_diff
    assert 0 < edited.edit_ratio < 1
    with pytest.raises(QueueError, match="reason"):
        queue.decide(c.id, "alice", "reject")
    assert queue.decide(c.id, "alice", "reject", reason="made-up price").decision_reason == "made-up price"
    with pytest.raises(Conflict, match="already approved"):
        queue.decide(a.id, "bob", "reject", reason="too late")
    with pytest.raises(QueueError, match="text"):
        queue.decide(_draft(queue, 4).id, "alice", "edit", text="  ")


def test_stage_callback_commits_with_the_decision_or_not_at_all(queue, engine):
    from sqlalchemy import text

    item = _draft(queue)

    def failing_stage(s, decided):  # noqa: ANN001, ANN202
        raise RuntimeError("outbox down")

    with pytest.raises(RuntimeError):
        queue.decide(item.id, "alice", "approve", stage=failing_stage)
    assert queue.get(item.id).status == "pending", "a decision whose delivery could not be staged must not stick"

    def stage(s, decided):  # noqa: ANN001, ANN202
        s.execute(text("UPDATE review_items SET decision_reason = 'staged' WHERE id = :i"), {"i": decided.id})

    queue.decide(item.id, "alice", "approve", stage=stage)
    assert queue.get(item.id).decision_reason == "staged"


def test_reassigned_items_go_only_to_the_assignee_or_an_admin(queue):
    item = _draft(queue)
    queue.claim("alice")
    moved = queue.reassign(item.id, "bob", by="alice")
    assert moved.assigned_to == "bob" and moved.status == "pending"
    assert queue.claim("carol") is None
    assert queue.claim("admin", item.id, is_admin=True) is not None
    queue.release(item.id, "admin")
    assert queue.claim("bob").id == item.id


def test_only_who_may_claim_an_item_may_reassign_it(queue, clock):
    assigned, held = _draft(queue, 1), _draft(queue, 2)
    queue.reassign(assigned.id, "alice", by="admin", is_admin=True)
    assert queue.claim("bob", assigned.id) is None
    with pytest.raises(Conflict, match="assigned to alice"):
        queue.reassign(assigned.id, "bob", by="bob")  # not a way around the assignment
    with pytest.raises(Conflict, match="assigned to alice"):
        queue.decide(assigned.id, "bob", "approve")
    assert queue.get(assigned.id).assigned_to == "alice"
    assert queue.reassign(assigned.id, "carol", by="alice").assigned_to == "carol"  # the assignee may pass it on

    assert queue.claim("alice", held.id).claimed_by == "alice"
    with pytest.raises(Conflict, match="claimed by alice"):
        queue.reassign(held.id, "bob", by="bob")  # nor around someone's live lease
    with pytest.raises(Conflict, match="claimed by alice"):
        queue.reassign(held.id, "bob", by="admin", is_admin=True)  # an admin waits for the lease, as when claiming
    assert queue.get(held.id).claimed_by == "alice"
    clock.advance(seconds=61)
    moved = queue.reassign(held.id, "bob", by="admin", is_admin=True)
    assert moved.assigned_to == "bob" and moved.status == "pending" and moved.claimed_by == ""

    queue.decide(held.id, "bob", "approve")
    with pytest.raises(Conflict, match="only open items"):
        queue.reassign(held.id, "carol", by="admin", is_admin=True)
    with pytest.raises(NotFound):
        queue.reassign(999999, "carol", by="admin", is_admin=True)


def test_sla_escalation_and_expiry(queue, clock, audit):
    urgent = _draft(queue, 1, rules=["negative_sentiment"])
    normal = _draft(queue, 2, rules=["commitment"])
    assert (urgent.due_at - urgent.created_at).total_seconds() == 120
    assert (normal.due_at - normal.created_at).total_seconds() == 600
    clock.advance(seconds=130)
    staged = []
    escalated = queue.escalate_overdue(on_escalate=lambda s, it: staged.append(it.id))
    assert [i.id for i in escalated] == [urgent.id] and staged == [urgent.id]
    assert queue.escalate_overdue() == []  # not again until another SLA period passes
    clock.advance(hours=25)
    expired = queue.expire_stale()
    assert {i.id for i in expired} == {urgent.id, normal.id}
    assert queue.get(urgent.id).status == "expired"
    actions = [e.action for e in audit.entries()]
    assert "review.escalated" in actions and actions.count("review.expired") == 2
    assert audit.verify() is None


def test_every_step_is_in_the_audit_chain(queue, audit):
    item = _draft(queue)
    queue.claim("alice")
    queue.decide(item.id, "alice", "edit", text="Pro costs $49 [1].")
    entries = [e for e in audit.entries() if e.subject == f"review_item:{item.id}"]
    assert [e.action for e in entries] == ["review.enqueued", "review.claimed", "review.edited"]
    assert entries[-1].actor == "reviewer:alice" and entries[-1].detail["edit_ratio"] > 0
    assert audit.verify() is None
