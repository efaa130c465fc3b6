"""Lead handling cost on the demo CRM (SQLite): capture, scoring (fitted on the demo history), routing
with its notification through the real outbox, rule-based BANT extraction, and the pure routing rule.

    python -m evals.bench leads
"""

from __future__ import annotations

import time
from datetime import datetime

from evals.bench import Row
from evals.bench.bench_consent import _container
from evals.bench.common import percentile
from tools.leads.qualification import extract_rules
from tools.leads.routing import LeadFacts, RepFacts, route
from tools.leads.service import LeadService

N = 200
TUESDAY_ASIA_MORNING = datetime(2026, 11, 24, 3, 0)  # rep-002 and rep-003 both working


def _timed(fn, n: int = N) -> list[float]:  # noqa: ANN001
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _rows(name: str, ms: list[float], note: str = "") -> list[Row]:
    return [Row("leads", f"{name} p50", percentile(ms, 50), "ms", "", note),
            Row("leads", f"{name} p95", percentile(ms, 95), "ms")]


def run() -> list[Row]:
    c = _container()
    try:
        leads = LeadService(c.crm, notify=c.notify, clock=lambda: TUESDAY_ASIA_MORNING,
                            profiling_allowed=lambda cid: c.policy.profiling(cid).allowed)
        ids: list[str] = []

        def create(i: int) -> None:
            lead = leads.create_lead(f"APAC prospect {i} needs analytics dashboards within 3 months, budget $20k.",
                                     contact_id="con-032" if i % 2 else None)
            ids.append(lead["id"])

        created = _timed(create)
        for lead_id in ids:
            c.crm.update_lead(lead_id, region="APAC")
        scored = _timed(lambda i: leads.score(ids[i]))
        for lead_id in ids:  # routing scores unscored leads itself; measure routing alone
            c.crm.update_lead(lead_id, score=50.0)
        routed = _timed(lambda i: leads.route_lead(ids[i]))
        outcomes = [c.crm.lead(i)["status"] for i in ids]
        method = leads.score(ids[0])["method"]
        text = "我们需要把 SAP 数据接进来做报表，预算 30 万元，三个月内上线，我来拍板。"
        bant = _timed(lambda _: extract_rules(text), 1000)
        reps = [RepFacts.of(r) for r in c.crm.reps()]
        lead = LeadFacts("x", region="APAC", language="en", product_line="analytics", value=20_000)
        pure = _timed(lambda _: route(lead, reps, loads={}, rotation={}, now=TUESDAY_ASIA_MORNING), 2000)
        assigned = outcomes.count("assigned")
        return [*_rows("create_lead", created, "text facts + account match + BANT rules + insert"),
                *_rows("score", scored, f"{method} weights, features from the CRM, update; half the leads are refused (no profiling consent)"),
                *_rows("route_lead", routed, "routing rules + offer + round-robin + outbox notification"),
                Row("leads", "routed / queued", f"{assigned} / {outcomes.count('unassigned')}", "", "",
                    "3 demo reps; capacities 22 and 10 fill up, the rest queue with a reason"),
                *_rows("BANT rule extraction (zh)", bant),
                *_rows("route() pure, 3 reps", pure)]
    finally:
        c.close()
