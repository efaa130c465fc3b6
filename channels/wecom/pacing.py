"""Per-member pacing for app messages. WeCom accepts 30 messages a minute and 1,000 an hour per member
and silently drops the rest, so we never send more: a sliding window over the durable send log (the
`wecom_outbound.sent_at` of each member), which survives restarts and is stricter than any fixed window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

PER_MINUTE = 30
PER_HOUR = 1000


class Clock(Protocol):
    def now(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


class ManualClock:
    """A clock tests move by hand; sleeping advances it instantly (thread-safe)."""

    def __init__(self, start: float = 1_800_000_000.0):
        self._t = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._t += max(0.0, seconds)


@dataclass(frozen=True)
class Limits:
    per_minute: int = PER_MINUTE
    per_hour: int = PER_HOUR


def next_slot(sent: list[float], now: float, limits: Limits = Limits()) -> float:  # noqa: B008
    """The earliest time >= now at which one more send keeps both sliding windows within their limits.

    `sent` holds the send times of the last hour, oldest first."""
    t = now
    for window, limit in ((60.0, limits.per_minute), (3600.0, limits.per_hour)):
        recent = [s for s in sent if s > t - window]
        if len(recent) >= limit:
            # wait until the oldest send that keeps us at the limit leaves the window
            t = max(t, recent[len(recent) - limit] + window)
    if t != now:  # moving forward may have changed the other window's count; settle
        return next_slot(sent, t, limits) if t > now else t
    return t


class Pacer:
    """Blocks until a member may receive another app message, then the caller records the send."""

    def __init__(self, sends_since: Callable[[str, float], list[float]], clock: Clock, limits: Limits = Limits()):  # noqa: B008
        self._sends_since = sends_since
        self._clock = clock
        self.limits = limits

    def delay(self, member: str) -> float:
        now = self._clock.now()
        return next_slot(self._sends_since(member, now - 3600.0), now, self.limits) - now
