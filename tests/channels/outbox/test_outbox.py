"""The outbox worker: delivery, retries with backoff, refusals, dead letters, lease takeover."""

from __future__ import annotations

import pytest

from app.db import make_engine, upgrade
from channels.outbox import (
    DeliveryError,
    OutboundMessage,
    Outbox,
    PermanentDeliveryError,
    Receipt,
    StaffInbox,
    Worker,
)
from guardrails.audit import AuditLog
from tools.policy import Decision


class Flaky:
    channel = "flaky"

    def __init__(self, failures: int = 0, permanent: bool = False):
        self.failures, self.permanent, self.calls = failures, permanent, []

    def deliver(self, message: OutboundMessage) -> Receipt:
        self.calls.append(message.key)
        if self.permanent:
            raise PermanentDeliveryError("recipient does not exist")
        if len(self.calls) <= self.failures:
            raise DeliveryError("channel answered 503")
        return Receipt(f"flaky:{len(self.calls)}")


@pytest.fixture
def engine(db_url):  # noqa: ANN001, ANN201
    upgrade(db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _msg(key: str = "m-1", channel: str = "flaky") -> OutboundMessage:
    return OutboundMessage(key=key, channel=channel, kind="reply", payload={"text": "hi"}, contact_id="con-1",
                           source=f"test:{key}")


def test_retries_with_exponential_backoff_then_delivers_and_audits(engine):
    audit = AuditLog(engine)
    outbox = Outbox(engine, audit_in=audit.append_in, backoff_base_s=0.0, max_attempts=5)
    channel = Flaky(failures=2)
    worker = Worker(outbox, [channel])
    assert outbox.enqueue(_msg())
    assert not outbox.enqueue(_msg()), "the same key is one message"
    for _ in range(3):
        worker.run_once()
    assert outbox.counts() == {"delivered": 1}
    [row] = outbox.by_source("test:m-1")
    assert row["attempts"] == 3 and row["receipt"]["channel_message_id"] == "flaky:3"
    assert channel.calls == ["m-1"] * 3
    assert [e.action for e in audit.entries(subject="test:m-1")] == ["outbox.delivered"]
    slow = Outbox(engine, backoff_base_s=2.0, backoff_max_s=60)
    # attempt n waits between half and all of min(cap, base × 2^(n-1)): 2, 4, … 32, then the 60 s cap
    ceilings = [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    for n, ceiling in enumerate(ceilings, start=1):
        assert ceiling / 2 <= slow.backoff(n) <= ceiling


def test_a_failing_message_waits_for_its_backoff(engine):
    outbox = Outbox(engine, backoff_base_s=30.0)
    channel = Flaky(failures=5)
    worker = Worker(outbox, [channel])
    outbox.enqueue(_msg())
    worker.run_once()
    worker.run_once()
    assert len(channel.calls) == 1, "retried before its backoff ran out"
    assert outbox.counts() == {"pending": 1}


def test_refused_by_the_outbound_check_is_never_sent_and_keeps_the_reason(engine):
    audit = AuditLog(engine)
    outbox = Outbox(engine, audit_in=audit.append_in)
    channel = Flaky()
    seen = []

    def no_consent(message: OutboundMessage) -> Decision:
        seen.append((message.contact_id, message.channel, message.purpose))
        return Decision(False, reason="con-1 has not consented to messages on this channel")

    outbox.enqueue(_msg())
    Worker(outbox, [channel], outbound_check=no_consent).run_once()
    assert channel.calls == [] and seen == [("con-1", "flaky", "service")]
    [row] = outbox.by_source("test:m-1")
    assert row["status"] == "refused" and "not consented" in row["last_error"]
    assert audit.entries(subject="test:m-1")[0].action == "outbox.refused"


def test_a_broken_outbound_check_holds_the_message(engine):
    outbox = Outbox(engine, backoff_base_s=0)
    channel = Flaky()

    def broken(message: OutboundMessage) -> Decision:
        raise ConnectionError("consent service down")

    outbox.enqueue(_msg())
    Worker(outbox, [channel], outbound_check=broken).run_once()
    assert channel.calls == [] and outbox.counts() == {"pending": 1}


def test_permanent_errors_and_exhausted_retries_go_to_failed(engine):
    outbox = Outbox(engine, backoff_base_s=0, max_attempts=2)
    outbox.enqueue(_msg("a"))
    Worker(outbox, [Flaky(permanent=True)]).run_once()
    outbox.enqueue(_msg("b"))
    worker = Worker(outbox, [Flaky(failures=10)])
    worker.run_once()
    worker.run_once()
    assert outbox.counts() == {"failed": 2}
    assert "gave up after 2 attempts" in outbox.by_source("test:b")[0]["last_error"]
    assert outbox.retry_now(outbox.by_source("test:b")[0]["id"])
    assert outbox.counts() == {"failed": 1, "pending": 1}


def test_a_crashed_workers_lease_is_taken_over(engine):
    outbox = Outbox(engine)
    outbox.enqueue(_msg())
    [held] = outbox.claim("dead-worker", lease_s=0.0)  # it claimed, then died before delivering
    channel = Flaky()
    Worker(outbox, [channel], worker_id="live").run_once()
    assert channel.calls == ["m-1"] and outbox.counts() == {"delivered": 1}
    assert not outbox.mark_delivered(held, "dead-worker", Receipt("late")), "a stale worker cannot overwrite"


def test_staff_notifications_are_idempotent(engine):
    inbox = StaffInbox(engine)
    message = OutboundMessage(key="notify:rep-1:lead-9", channel="staff", kind="lead_routed", recipient="rep:rep-1",
                              payload={"text": "New lead"})
    first, again = inbox.deliver(message), inbox.deliver(message)
    assert not first.duplicate and again.duplicate and first.channel_message_id == again.channel_message_id
    assert [n["event"]["text"] for n in inbox.unread(("rep:rep-1",))] == ["New lead"]
