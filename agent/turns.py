"""One turn at a time per conversation, across threads, server processes and channels.

Two turns of one conversation share its checkpoint thread and its stored history; run side by side they
corrupt both. The lock is a lease row in the database every process already shares (`turn_leases`):

- acquire: take over the row if it expired, else insert it; both are single conditional statements, so the
  database decides who wins (PostgreSQL re-checks the UPDATE's WHERE after a concurrent writer commits; a
  second INSERT of the same key fails). There is no read-then-write step to race.
- hold: a short lease, renewed by a heartbeat while the turn runs. A process that dies stops renewing and its
  lease expires after `ttl_s`, instead of locking the conversation for a whole turn timeout. Expiry compares
  the processes' wall clocks: hosts must be NTP-synced to well within `ttl_s`.
- release: delete the row in `finally`, so a turn that raised frees the conversation at once.

Within one process, turns of a conversation also queue on a plain lock first: a waiting turn starts the
moment the one before ends (no polling delay) and only one waiter per process polls the database.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, Float, String, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from agent.conversations import ConversationBase

log = logging.getLogger(__name__)

TURN_WAIT_S = 120.0  # a person is waiting on the other end (web, sidebar): then "busy"
# Channels that acked the message already and answer later (Slack, WeCom) wait much longer: the wait is
# their queue. A live turn renews its lease, so only a turn that hangs this long makes them give up.
QUEUED_TURN_WAIT_S = 900.0
LEASE_TTL_S = 30.0
_HOST = f"{socket.gethostname()[:24]}:{os.getpid()}"


class TurnLease(ConversationBase):
    __tablename__ = "turn_leases"
    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))  # host:pid:random, so an operator can tell who holds it
    expires_at: Mapped[float] = mapped_column(Float)  # epoch seconds


class ConversationBusy(TimeoutError):
    """Another turn of this conversation kept running past the wait."""


@dataclass
class Lease:
    conversation_id: str
    holder: str
    lost: bool = False  # the heartbeat found the row gone or taken: another turn may be running
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)


class TurnLeases:
    def __init__(self, engine: Engine, *, ttl_s: float = LEASE_TTL_S, wait_s: float = TURN_WAIT_S,
                 poll_s: float = 0.05, clock: Callable[[], float] = time.time):
        self._engine = engine
        self.ttl_s, self.wait_s, self.poll_s, self._clock = ttl_s, wait_s, poll_s, clock
        self._guard = threading.Lock()
        self._local: dict[str, tuple[threading.Lock, int]] = {}  # lock, how many turns hold or want it

    # -- the rows ---------------------------------------------------------------------------------

    def try_acquire(self, conversation_id: str, holder: str) -> bool:
        now = self._clock()
        row = {"holder": holder, "expires_at": now + self.ttl_s}
        try:
            with self._engine.begin() as conn:
                taken = conn.execute(update(TurnLease).where(
                    TurnLease.conversation_id == conversation_id, TurnLease.expires_at < now).values(**row))
                if taken.rowcount == 1:
                    return True
                conn.execute(insert(TurnLease).values(conversation_id=conversation_id, **row))
            return True
        except IntegrityError:  # a live lease exists (or another process inserted it first)
            return False

    def renew(self, conversation_id: str, holder: str) -> bool:
        with self._engine.begin() as conn:
            return conn.execute(update(TurnLease).where(
                TurnLease.conversation_id == conversation_id, TurnLease.holder == holder).values(
                expires_at=self._clock() + self.ttl_s)).rowcount == 1

    def release(self, conversation_id: str, holder: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(TurnLease).where(TurnLease.conversation_id == conversation_id,
                                                 TurnLease.holder == holder))

    # -- a turn -----------------------------------------------------------------------------------

    @contextmanager
    def hold(self, conversation_id: str, wait_s: float | None = None) -> Iterator[Lease]:
        """The conversation's lease for the block; waits up to `wait_s`, then ConversationBusy. Not
        tied to a thread: a streamed reply may end on another thread than it began."""
        deadline = time.monotonic() + (self.wait_s if wait_s is None else wait_s)
        with self._local_turn(conversation_id, deadline):
            lease = Lease(conversation_id, f"{_HOST}:{uuid.uuid4().hex[:16]}")
            pause = self.poll_s
            while not self.try_acquire(conversation_id, lease.holder):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ConversationBusy(f"conversation {conversation_id!r} is busy with another turn")
                time.sleep(min(pause, left))
                pause = min(pause * 2, 1.0)  # a turn takes seconds: no need to ask the database more often
            beat = threading.Thread(target=self._heartbeat, args=(lease,), daemon=True,
                                    name=f"turn-lease-{conversation_id[:20]}")
            beat.start()
            try:
                yield lease
            finally:
                lease._stop.set()
                try:
                    self.release(conversation_id, lease.holder)
                except Exception:  # the lease then expires by itself; the turn's own outcome matters more
                    log.exception("could not release the turn lease of %s", conversation_id)

    def _heartbeat(self, lease: Lease) -> None:
        while not lease._stop.wait(self.ttl_s / 3):
            try:
                if not self.renew(lease.conversation_id, lease.holder):
                    lease.lost = True
                    log.error("turn lease of %s was lost (expired and taken over): two turns may overlap",
                              lease.conversation_id)
                    return
            except Exception:  # a database hiccup: try again next beat, the lease has time left
                log.warning("could not renew the turn lease of %s", lease.conversation_id, exc_info=True)

    @contextmanager
    def _local_turn(self, conversation_id: str, deadline: float) -> Iterator[None]:
        with self._guard:
            lock, users = self._local.get(conversation_id, (threading.Lock(), 0))
            self._local[conversation_id] = (lock, users + 1)
        try:
            if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise ConversationBusy(f"conversation {conversation_id!r} is busy with another turn")
            try:
                yield
            finally:
                lock.release()  # a plain Lock, for the same reason as in `hold`
        finally:
            with self._guard:
                lock, users = self._local[conversation_id]
                if users == 1:
                    del self._local[conversation_id]
                else:
                    self._local[conversation_id] = (lock, users - 1)
