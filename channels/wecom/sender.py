"""Outbound WeCom messages: a durable queue (idempotent by key), paced per member, sent by one worker.

`WeComAdapter.deliver(message, idempotency_key)` is the seam for the outbox: the same key never sends
twice. Interrupted sends ('sending' after a crash) are retried with WeCom's duplicate check on, so the
member does not see them twice either.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from channels.wecom.client import WeComClient, WeComError
from channels.wecom.pacing import Clock, Limits, Pacer, RealClock
from channels.wecom.store import Outbound, WeComStore

log = logging.getLogger(__name__)
MAX_TEXT_BYTES = 2000  # WeCom's text limit is 2,048 bytes


@dataclass(frozen=True)
class WeComMessage:
    to_user: str  # a member's userid, or a customer's external_userid when open_kfid is set
    text: str
    open_kfid: str | None = None  # customer-service account: reply through kf/send_msg


def clip(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode(errors="ignore") + "…"


class WeComSender:
    def __init__(self, client: WeComClient, store: WeComStore, *, clock: Clock | None = None,
                 limits: Limits = Limits(), max_attempts: int = 3):  # noqa: B008
        self.client, self.store = client, store
        self.clock = clock or RealClock()
        self.pacer = Pacer(store.sends_since, self.clock, limits)
        self._attempts = max_attempts
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._drain_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- the adapter seam ---------------------------------------------------------------------

    def deliver(self, message: WeComMessage, idempotency_key: str) -> Outbound:
        """Queue once per key and wake the worker; returns the queue entry (its status tells progress)."""
        if not message.to_user or not message.text.strip():
            raise ValueError("a WeCom message needs a recipient and text")
        row = self.store.enqueue(idempotency_key, message.to_user, clip(message.text), self.clock.now(),
                                 message.open_kfid)
        self._wake.set()
        return row

    # -- the worker ---------------------------------------------------------------------------------

    def start(self) -> WeComSender:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="wecom-sender", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.drain(max_wait_s=1.0)
            except Exception:  # the worker must survive a database hiccup
                log.exception("WeCom sender loop failed; retrying")
                wait = 1.0
            self._wake.wait(timeout=wait if wait is not None else 30.0)
            self._wake.clear()

    def drain(self, *, max_wait_s: float | None = None) -> float | None:
        """Send everything that may go now, waiting on pacing up to `max_wait_s` per step (None: as long as
        needed). Returns the seconds until the next paced message may go, or None when the queue is empty."""
        with self._drain_lock:
            while not self._stop.is_set():
                due = self.store.due()
                if not due:
                    return None
                delays = [(0.0 if m.open_kfid else self.pacer.delay(m.to_user), m.id, m) for m in due]
                delay, _, msg = min(delays, key=lambda d: (d[0], d[1]))
                if delay > 0:
                    if max_wait_s is not None and delay > max_wait_s:
                        return delay
                    self.clock.sleep(delay)
                    continue
                self._send(msg)
            return None

    def _send(self, msg: Outbound) -> None:
        self.store.set_outbound(msg.id, status="sending", sent_at=self.clock.now(), attempts=msg.attempts + 1)
        try:
            if msg.open_kfid:
                self.client.kf_send_text(msg.to_user, msg.open_kfid, msg.text)
            else:
                self.client.send_text(msg.to_user, msg.text)
        except WeComError as exc:
            retry = exc.errcode in (-1, 45009, 45033) and msg.attempts + 1 < self._attempts
            log.warning("WeCom delivery %s failed: errcode %s%s", msg.id, exc.errcode, "; will retry" if retry else "")
            self.store.set_outbound(msg.id, status="queued" if retry else "failed", last_error=str(exc)[:300])
            if retry:
                self.clock.sleep(2.0 ** msg.attempts)
            return
        self.store.set_outbound(msg.id, status="sent", last_error="")
