"""Due times from our market's rules: freeze within 2 h, erase within 24 h, proof within 72 h of
receiving an erasure request; an export is due within 72 h too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tools.sqlbase import utcnow

FREEZE_WITHIN = timedelta(hours=2)
ERASE_WITHIN = timedelta(hours=24)
PROOF_WITHIN = timedelta(hours=72)
EXPORT_WITHIN = timedelta(hours=72)


@dataclass(frozen=True)
class Due:
    freeze: datetime | None
    erase: datetime | None
    proof: datetime | None


def due_times(kind: str, received_at: datetime) -> Due:
    if kind == "erase":
        return Due(received_at + FREEZE_WITHIN, received_at + ERASE_WITHIN, received_at + PROOF_WITHIN)
    return Due(None, None, received_at + EXPORT_WITHIN)


def overdue_steps(*, kind: str, due: Due, frozen_at: datetime | None, erased_at: datetime | None,
                  proven_at: datetime | None, completed_at: datetime | None, now: datetime | None = None) -> list[str]:
    """The steps not done by their due time, e.g. ["erase", "proof"]."""
    now = now or utcnow()
    late = []
    if kind == "erase":
        for step, at, done in (("freeze", due.freeze, frozen_at), ("erase", due.erase, erased_at),
                               ("proof", due.proof, proven_at)):
            if at is not None and done is None and now > at:
                late.append(step)
    elif due.proof is not None and completed_at is None and now > due.proof:
        late.append("export")
    return late
