"""Circuit breaker per flow: when reviewers reject or heavily edit too many of a flow's drafts over a
rolling window, the flow switches to always-review (and admins hear about it); it switches back on its
own once the rate falls again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, Engine, Float, Integer, String, and_, case, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from guardrails.verification.queue import AuditFn, ReviewItem, VerificationBase
from guardrails.verification.rules import BreakerRules
from tools.sqlbase import begin_write, utcnow


class FlowState(VerificationBase):
    __tablename__ = "review_flow_states"
    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    always_review: Mapped[bool] = mapped_column(Boolean, default=False)
    bad_rate: Mapped[float] = mapped_column(Float, default=0.0)
    decided: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class FlowHealth:
    flow: str
    always_review: bool
    bad_rate: float
    decided: int
    changed_at: datetime | None = None


# Called in the transaction that flips a flow: (session, health, "tripped" | "recovered").
ChangeFn = Callable[[Session, FlowHealth, str], None]


class CircuitBreaker:
    def __init__(self, engine: Engine, rules: BreakerRules | None = None, *, audit_in: AuditFn | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.rules = rules or BreakerRules()
        self._audit_in = audit_in
        self.now = clock

    def always_review(self, flow: str) -> bool:
        with self._sessions() as s:
            return bool(s.scalar(select(FlowState.always_review).where(FlowState.flow == flow)))

    def measure(self, s: Session, flow: str) -> tuple[float, int]:
        """(share of rejected or heavily edited drafts, drafts decided) in the window."""
        since = self.now() - timedelta(days=self.rules.window_days)
        bad = case((or_(ReviewItem.status == "rejected",
                        and_(ReviewItem.status == "edited", ReviewItem.edit_ratio > self.rules.heavy_edit_ratio)), 1),
                   else_=0)
        n, n_bad = s.execute(select(func.count(), func.coalesce(func.sum(bad), 0)).where(
            ReviewItem.flow == flow, ReviewItem.kind == "reply_draft",
            ReviewItem.status.in_(("approved", "edited", "rejected")), ReviewItem.decided_at >= since)).one()
        return (int(n_bad) / n if n else 0.0), int(n)

    def evaluate(self, flow: str, on_change: ChangeFn | None = None) -> FlowHealth:
        with self._sessions() as s:
            begin_write(s)
            rate, n = self.measure(s, flow)
            state = s.get(FlowState, flow) or FlowState(flow=flow, always_review=False)
            s.add(state)
            trip = n >= self.rules.min_decisions and rate > self.rules.threshold
            event = "tripped" if trip and not state.always_review else \
                "recovered" if state.always_review and not trip else ""
            now = self.now()
            state.bad_rate, state.decided, state.updated_at = round(rate, 4), n, now
            if event:
                state.always_review, state.changed_at = trip, now
            s.flush()
            health = _health(state)
            if event:
                if self._audit_in is not None:
                    self._audit_in(s, actor="system", action=f"breaker.{event}", subject=f"flow:{flow}",
                                   purpose="service", detail={"bad_rate": health.bad_rate, "decided": n,
                                                              "threshold": self.rules.threshold,
                                                              "window_days": self.rules.window_days})
                if on_change is not None:
                    on_change(s, health, event)
            s.commit()
            return health

    def states(self) -> list[FlowHealth]:
        with self._sessions() as s:
            return [_health(r) for r in s.scalars(select(FlowState).order_by(FlowState.flow))]


def _health(row: FlowState) -> FlowHealth:
    return FlowHealth(row.flow, bool(row.always_review), float(row.bad_rate or 0), int(row.decided or 0),
                      row.changed_at)
