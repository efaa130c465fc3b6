"""What the outbox hands a channel adapter, what the adapter hands back, and the adapter protocol.

Delivery is at-least-once (a worker may die after sending and before recording it), so exactly-once is
the adapter's half of the contract: `deliver` must have one effect per `message.key`, however often it
is called with that key (a unique key at the channel, or a receipt lookup before sending).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class OutboundMessage:
    key: str  # idempotency key: one effect per key, at every layer
    channel: str  # which adapter delivers it: web | staff | agent | slack | wecom | …
    kind: str  # reply | notice | notification | alert | resume | …
    payload: dict[str, Any] = field(default_factory=dict)
    recipient: str = ""  # conversation id, "rep:<id>", "admins", …
    contact_id: str | None = None  # the customer it reaches, if any (for the consent check)
    purpose: str = "service"
    source: str = ""  # what caused it, e.g. "review_item:12"
    id: int | None = None
    attempts: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class Receipt:
    channel_message_id: str = ""
    duplicate: bool = False  # the channel already had this key: nothing new happened
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"channel_message_id": self.channel_message_id, "duplicate": self.duplicate, **self.detail}


class DeliveryError(Exception):
    """A delivery that failed; the worker retries it with backoff."""


class PermanentDeliveryError(DeliveryError):
    """A delivery that can never succeed (unknown recipient, message too large): no retry."""


@runtime_checkable
class ChannelAdapter(Protocol):
    channel: str

    def deliver(self, message: OutboundMessage) -> Receipt:
        """Deliver once per `message.key`; on a repeated key return the first receipt with duplicate=True."""
        ...
