"""The circuit breaker trips a flow into always-review above the threshold and recovers below it."""

from __future__ import annotations

from guardrails.verification.breaker import CircuitBreaker
from guardrails.verification.rules import BreakerRules


def _decide(queue, outcome: str, n: int, flow: str = "web:customer") -> None:  # noqa: ANN001
    for i in range(n):
        item = queue.enqueue(conversation_id=f"{outcome}-{i}", draft="Our Pro edition costs $49 per month.",
                             reasons=["price"], flow=flow)
        if outcome == "approve":
            queue.decide(item.id, "alice", "approve")
        elif outcome == "light_edit":
            queue.decide(item.id, "alice", "edit", text="Our Pro edition costs $49 per user per month.")
        elif outcome == "heavy_edit":
            queue.decide(item.id, "alice", "edit", text="Please talk to sales for pricing.")
        else:
            queue.decide(item.id, "alice", "reject", reason="wrong")


def test_trips_above_threshold_alerts_and_recovers_when_the_window_moves_on(engine, queue, clock, audit):
    breaker = CircuitBreaker(engine, BreakerRules(window_days=3, threshold=0.4, min_decisions=10),
                             audit_in=audit.append_in, clock=clock)
    events = []
    on_change = lambda s, health, event: events.append((health.flow, event))  # noqa: E731
    _decide(queue, "approve", 6)
    _decide(queue, "light_edit", 2)  # light edits are not "bad"
    _decide(queue, "reject", 2)
    health = breaker.evaluate("web:customer", on_change)
    assert not health.always_review and health.decided == 10 and health.bad_rate == 0.2
    _decide(queue, "heavy_edit", 3)
    _decide(queue, "reject", 2)  # 7 bad of 15 = 47 %
    health = breaker.evaluate("web:customer", on_change)
    assert health.always_review and abs(health.bad_rate - 7 / 15) < 1e-3
    assert breaker.always_review("web:customer") and not breaker.always_review("slack:customer")
    assert events == [("web:customer", "tripped")]
    breaker.evaluate("web:customer", on_change)
    assert events == [("web:customer", "tripped")], "no second alert while it stays tripped"

    clock.advance(days=4)  # the bad decisions leave the window; new ones are good
    _decide(queue, "approve", 10)
    health = breaker.evaluate("web:customer", on_change)
    assert not health.always_review and health.bad_rate == 0
    assert events[-1] == ("web:customer", "recovered")
    assert [e.action for e in audit.entries() if e.action.startswith("breaker.")] == \
        ["breaker.tripped", "breaker.recovered"]


def test_too_few_decisions_never_trip(engine, queue, clock):
    breaker = CircuitBreaker(engine, BreakerRules(min_decisions=10), clock=clock)
    _decide(queue, "reject", 9)
    assert not breaker.evaluate("web:customer").always_review
