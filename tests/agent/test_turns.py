"""One turn at a time per conversation, held in the database: across engines, processes and runners, on
SQLite and PostgreSQL (`db_url`)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agent.conversations import ConversationStore
from agent.runner import ConversationMismatch, Runner
from agent.turns import ConversationBusy, TurnLease, TurnLeases
from agent.types import Inbound
from app.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engines(db_url: str):  # noqa: ANN201 - two engines on one database: two processes as far as it can tell
    upgrade(db_url)
    pair = make_engine(db_url), make_engine(db_url)
    yield pair
    for engine in pair:
        engine.dispose()


def leases(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(TurnLease))


def test_two_engines_cannot_hold_the_same_conversation_at_once(engines):
    a, b = TurnLeases(engines[0]), TurnLeases(engines[1])
    assert a.try_acquire("c-1", "a")
    assert not b.try_acquire("c-1", "b"), "a live lease is nobody else's to take"
    assert b.try_acquire("c-2", "b"), "other conversations are not held up"
    with pytest.raises(ConversationBusy), b.hold("c-1", wait_s=0.2):
        pass
    a.release("c-1", "a")
    with b.hold("c-1", wait_s=0.2):
        assert not a.try_acquire("c-1", "a")
    assert leases(engines[0]) == 1, "released on leaving the block: only c-2's lease is left"


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew_or_release_it(engines):
    now = [1000.0]
    a = TurnLeases(engines[0], ttl_s=30, clock=lambda: now[0])
    b = TurnLeases(engines[1], ttl_s=30, clock=lambda: now[0])
    assert a.try_acquire("c-1", "a")
    now[0] = 1029.0
    assert not b.try_acquire("c-1", "b"), "not expired yet"
    now[0] = 1031.0
    assert b.try_acquire("c-1", "b"), "expired: taken over"
    assert not a.renew("c-1", "a")
    a.release("c-1", "a")  # must not free b's lease
    assert not a.try_acquire("c-1", "a2")
    assert b.renew("c-1", "b")


HOLDER = """
import sys, time
from agent.turns import TurnLeases
from app.db import make_engine
with TurnLeases(make_engine(sys.argv[1]), ttl_s=1.0).hold("c-1", wait_s=5):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_lease_held_by_a_live_process_is_renewed_and_one_of_a_killed_process_expires(engines, db_url):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, db_url], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == "held"
        here = TurnLeases(engines[0])
        # 2.5 leases long: the other process's heartbeat keeps it
        with pytest.raises(ConversationBusy), here.hold("c-1", wait_s=2.5):
            pass
        proc.kill()
        proc.wait(10)
        with here.hold("c-1", wait_s=10) as lease:  # nobody renews it now: it expires within a second
            assert not lease.lost
    finally:
        proc.kill()


def test_the_lease_is_released_when_the_turn_raises(db_container, engines):
    c = db_container
    c.conversations.ensure("mix-1", channel="slack", persona="rep", rep_id="rep-001")
    wrong = Inbound("mix-1", "hello", channel="web", persona="customer")
    other = TurnLeases(engines[1])
    with pytest.raises(ConversationMismatch):
        c.runner.handle(wrong)
    assert other.try_acquire("mix-1", "other"), "handle left the lease behind"
    other.release("mix-1", "other")
    with pytest.raises(ConversationMismatch):
        list(c.runner.stream(wrong))
    assert other.try_acquire("mix-1", "other"), "stream left the lease behind"


def test_two_turns_of_one_conversation_through_two_runners_run_one_after_the_other(db_container, db_url):
    """Two runners on their own engines (two server processes, or web and Slack): the second turn starts
    only after the first has ended, and is answered with the first one as context."""
    c = db_container
    engine = make_engine(db_url)
    second = Runner(model=c.model, conversations=ConversationStore(engine), crm=c.crm, kb=c.kb, queue=c.queue,
                    checkpointer=c.checkpointer, turns=TurnLeases(engine))
    events: list[str] = []
    seen: list[str] = []
    started, release, refused = threading.Event(), threading.Event(), threading.Event()

    def slow(_messages: Any) -> str:  # noqa: ANN401
        events.append("start-1")
        started.set()
        release.wait(30)
        events.append("end-1")
        return "The first answer."

    def quick(messages: Any) -> str:  # noqa: ANN401
        events.append("start-2")
        seen.append("\n".join(str(m.content) for m in messages))
        return "The second answer."

    asked = second.turns.try_acquire

    def watched(conversation_id: str, holder: str) -> bool:
        got = asked(conversation_id, holder)
        if not got:
            refused.set()
        return got

    second.turns.try_acquire = watched  # type: ignore[method-assign]
    c.conversations.ensure("order-1", channel="slack", persona="rep", rep_id="rep-001")
    c.model.chat.script += [slow, quick]
    replies: dict[str, Any] = {}
    a = threading.Thread(target=lambda: replies.__setitem__("a", c.runner.handle(
        Inbound("order-1", "first question", channel="slack", persona="rep"))))
    b = threading.Thread(target=lambda: replies.__setitem__("b", second.handle(
        Inbound("order-1", "second question", channel="slack", persona="rep"))))
    a.start()
    assert started.wait(30), "the first turn did not reach the model"
    b.start()
    deadline = time.monotonic() + 20
    while not (refused.is_set() or "start-2" in events) and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    a.join(60)
    b.join(60)
    engine.dispose()
    assert events == ["start-1", "end-1", "start-2"]
    assert "The first answer." in seen[0], "the second turn sees the first one's answer"
    stored = [(m.role, m.text) for m in c.conversations.messages("order-1")]
    assert [r for r, _ in stored] == ["rep", "assistant", "rep", "assistant"], stored
    assert set(replies) == {"a", "b"}, "both turns were answered"
