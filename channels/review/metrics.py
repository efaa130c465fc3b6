"""Reviewer metrics per flow for `/metrics`: decisions, approval rate, time to decision, edit size,
open items, circuit breaker state, outbox backlog and delivery latency."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Engine

from channels.outbox import Outbox
from channels.web.metrics import label
from guardrails.verification.breaker import CircuitBreaker
from guardrails.verification.stats import flow_stats, open_counts


def review_metrics(engine: Engine, breaker: CircuitBreaker, outbox: Outbox, days: float = 30) -> Callable[[], Iterable[str]]:
    def lines() -> Iterable[str]:
        stats = flow_stats(engine, days)
        yield "# HELP salesagent_review_decisions Review decisions in the last 30 days, by flow and outcome."
        yield "# TYPE salesagent_review_decisions gauge"
        for st in stats:
            for outcome, n in sorted(st.decisions.items()):
                yield f'salesagent_review_decisions{{flow="{label(st.flow)}",outcome="{outcome}"}} {n}'
        yield "# HELP salesagent_review_approval_ratio Drafts approved unchanged, of those decided."
        yield "# TYPE salesagent_review_approval_ratio gauge"
        for st in stats:
            yield f'salesagent_review_approval_ratio{{flow="{label(st.flow)}"}} {st.approval_rate:.4f}'
        yield "# HELP salesagent_review_time_to_decision_seconds Time from queueing to decision."
        yield "# TYPE salesagent_review_time_to_decision_seconds summary"
        for st in stats:
            f = label(st.flow)
            for q in (0.5, 0.95):
                yield f'salesagent_review_time_to_decision_seconds{{flow="{f}",quantile="{q}"}} {st.quantile(q):.3f}'
            yield f'salesagent_review_time_to_decision_seconds_sum{{flow="{f}"}} {sum(st.seconds_to_decision):.3f}'
            yield f'salesagent_review_time_to_decision_seconds_count{{flow="{f}"}} {len(st.seconds_to_decision)}'
        yield "# HELP salesagent_review_edit_ratio_mean Mean share of a draft changed by reviewers' edits."
        yield "# TYPE salesagent_review_edit_ratio_mean gauge"
        for st in stats:
            yield f'salesagent_review_edit_ratio_mean{{flow="{label(st.flow)}"}} {st.mean_edit_ratio:.4f}'
        yield "# HELP salesagent_review_open Items waiting for a reviewer."
        yield "# TYPE salesagent_review_open gauge"
        for (kind, status), n in sorted(open_counts(engine).items()):
            yield f'salesagent_review_open{{kind="{kind}",status="{status}"}} {n}'
        yield "# HELP salesagent_flow_always_review 1 while the circuit breaker holds the flow in always-review."
        yield "# TYPE salesagent_flow_always_review gauge"
        for h in breaker.states():
            yield f'salesagent_flow_always_review{{flow="{label(h.flow)}"}} {int(h.always_review)}'
            yield f'salesagent_flow_bad_rate{{flow="{label(h.flow)}"}} {h.bad_rate:.4f}'
        yield "# HELP salesagent_outbox_messages Outbox rows by status."
        yield "# TYPE salesagent_outbox_messages gauge"
        for status, n in sorted(outbox.counts().items()):
            yield f'salesagent_outbox_messages{{status="{status}"}} {n}'

    return lines
