"""What reviewers teach us, per flow: approval rate, time to decision, how much they edit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from guardrails.verification.queue import DECIDED, OPEN, ReviewItem
from tools.sqlbase import utcnow


@dataclass
class FlowStats:
    flow: str
    decisions: dict[str, int] = field(default_factory=dict)  # approved / edited / rejected / expired
    approval_rate: float = 0.0  # approved unchanged, of approved + edited + rejected
    seconds_to_decision: list[float] = field(default_factory=list)
    edit_ratios: list[float] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return sum(v for k, v in self.decisions.items() if k != "expired")

    def quantile(self, q: float) -> float:
        values = sorted(self.seconds_to_decision)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    @property
    def mean_edit_ratio(self) -> float:
        return sum(self.edit_ratios) / len(self.edit_ratios) if self.edit_ratios else 0.0


def flow_stats(engine: Engine, days: float = 30, now: datetime | None = None) -> list[FlowStats]:
    since = (now or utcnow()) - timedelta(days=days)
    out: dict[str, FlowStats] = defaultdict(lambda: FlowStats(""))
    with sessionmaker(engine)() as s:
        rows = s.execute(select(ReviewItem.flow, ReviewItem.status, ReviewItem.created_at, ReviewItem.decided_at,
                                ReviewItem.edit_ratio)
                         .where(ReviewItem.status.in_(DECIDED), ReviewItem.decided_at >= since)).all()
    for flow, status, created, decided, ratio in rows:
        st = out[flow]
        st.flow = flow
        st.decisions[status] = st.decisions.get(status, 0) + 1
        if status != "expired" and created and decided:
            st.seconds_to_decision.append((decided - created).total_seconds())
        if status == "edited" and ratio is not None:
            st.edit_ratios.append(ratio)
    for st in out.values():
        st.approval_rate = st.decisions.get("approved", 0) / st.decided if st.decided else 0.0
    return sorted(out.values(), key=lambda s: s.flow)


def open_counts(engine: Engine) -> dict[tuple[str, str], int]:
    """(kind, status) → number of open items."""
    with sessionmaker(engine)() as s:
        rows = s.execute(select(ReviewItem.kind, ReviewItem.status, func.count())
                         .where(ReviewItem.status.in_(OPEN)).group_by(ReviewItem.kind, ReviewItem.status)).all()
    return {(k, st): n for k, st, n in rows}
