from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.db import make_engine, upgrade
from guardrails.audit import AuditLog
from guardrails.verification.queue import ReviewQueue
from guardrails.verification.rules import QueueRules


class Clock:
    """A clock the test moves by hand (leases, SLAs and expiry are about time)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def engine(db_url):  # noqa: ANN001, ANN201
    upgrade(db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit(engine) -> AuditLog:  # noqa: ANN001
    return AuditLog(engine)


@pytest.fixture
def queue(engine, audit, clock) -> ReviewQueue:  # noqa: ANN001
    return ReviewQueue(engine, QueueRules(lease_seconds=60, sla_seconds=600, expire_hours=24,
                                          sla_seconds_by_rule={"negative_sentiment": 120}),
                       audit_in=audit.append_in, clock=clock)
