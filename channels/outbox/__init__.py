"""Exactly-once delivery: a transactional outbox, workers with retries and backoff, idempotent adapters."""

from channels.outbox.message import (
    ChannelAdapter,
    DeliveryError,
    OutboundMessage,
    PermanentDeliveryError,
    Receipt,
)
from channels.outbox.staff import StaffInbox
from channels.outbox.store import Outbox, OutboxBase
from channels.outbox.worker import Periodic, Worker, allow_all

__all__ = ["ChannelAdapter", "DeliveryError", "OutboundMessage", "Outbox", "OutboxBase", "Periodic",
           "PermanentDeliveryError", "Receipt", "StaffInbox", "Worker", "allow_all"]
