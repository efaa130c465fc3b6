"""The delivery worker: claims due outbox rows, asks the outbound check, hands each to its channel
adapter, records the outcome. One runs in the app process by default (`start_in_thread`); at scale run
`salesagent worker` processes instead; any number may run at once."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from channels.outbox.message import ChannelAdapter, OutboundMessage, PermanentDeliveryError
from channels.outbox.store import Outbox
from tools.policy import Decision

log = logging.getLogger(__name__)

OutboundCheck = Callable[[OutboundMessage], Decision]


def allow_all(_: OutboundMessage) -> Decision:
    """The outbound check until the consent policy is wired in: everything may go."""
    return Decision(True, reason="no outbound policy configured")


@dataclass
class Periodic:
    """Housekeeping a worker runs every `every_s` seconds (lease reaping, SLA escalation, the breaker)."""

    name: str
    fn: Callable[[], object]
    every_s: float = 30.0
    last: float = 0.0


class Worker:
    def __init__(self, outbox: Outbox, adapters: Iterable[ChannelAdapter], *,
                 outbound_check: OutboundCheck = allow_all, batch: int = 20, lease_s: float = 30.0,
                 poll_s: float = 0.5, periodic: Iterable[Periodic] = (), worker_id: str = ""):
        self.outbox = outbox
        self.adapters = {a.channel: a for a in adapters}
        self.outbound_check = outbound_check
        self.batch, self.lease_s, self.poll_s = batch, lease_s, poll_s
        self.periodic = list(periodic)
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add_adapter(self, adapter: ChannelAdapter) -> None:
        self.adapters[adapter.channel] = adapter

    def run_once(self) -> int:
        """Deliver what is due now; returns how many rows were handled."""
        messages = self.outbox.claim(self.id, self.batch, self.lease_s)
        for message in messages:
            self._deliver(message)
        return len(messages)

    def _deliver(self, message: OutboundMessage) -> None:
        try:
            decision = self.outbound_check(message)
        except Exception as exc:  # a check that cannot answer must not let the message through
            log.exception("outbound check failed for outbox %s", message.id)
            self.outbox.mark_retry(message, self.id, f"outbound check failed: {type(exc).__name__}")
            return
        if not decision.allowed:
            self.outbox.mark_refused(message, self.id, decision.reason or "refused by the outbound check")
            return
        adapter = self.adapters.get(message.channel)
        if adapter is None:  # another process may serve this channel; keep it and retry later
            self.outbox.mark_retry(message, self.id, f"no adapter for channel {message.channel!r} in this worker")
            return
        try:
            receipt = adapter.deliver(message)
        except PermanentDeliveryError as exc:
            self.outbox.mark_failed(message, self.id, str(exc))
        except Exception as exc:
            log.warning("delivery of outbox %s (%s) failed, will retry: %s", message.id, message.channel,
                        type(exc).__name__)
            self.outbox.mark_retry(message, self.id, f"{type(exc).__name__}: {exc}")
        else:
            self.outbox.mark_delivered(message, self.id, receipt)

    def housekeeping(self, force: bool = False) -> None:
        now = time.monotonic()
        for job in self.periodic:
            if force or now - job.last >= job.every_s:
                job.last = now
                try:
                    job.fn()
                except Exception:
                    log.exception("housekeeping job %s failed", job.name)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.housekeeping()
                handled = self.run_once()
            except Exception:  # the database may be down for a moment: wait and go on
                log.exception("outbox worker %s: delivery round failed", self.id)
                handled = 0
            if handled < self.batch:
                self.outbox.wakeup.wait(self.poll_s)
                self.outbox.wakeup.clear()

    def start_in_thread(self) -> Worker:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name=f"outbox-{self.id}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.outbox.wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def drain(self, timeout: float = 10.0) -> int:
        """Deliver until nothing is due (tests, `salesagent worker --once`); returns rows handled."""
        total, deadline = 0, time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = self.run_once()
            total += n
            if n == 0:
                break
        return total
