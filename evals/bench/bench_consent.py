"""Consent layer: added latency of the policy check per tool call, the attack catalogue's outcomes,
and the erasure residue count (must be 0).

    python -m evals.bench consent
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from langchain_core.messages import AIMessage, ToolMessage

from agent.context import TurnContext
from agent.middleware.consent import ConsentGuard
from agent.runner import Runner, RunnerConfig
from agent.types import Inbound
from app.container import Container
from app.settings import Settings
from evals.bench import Row
from evals.bench.common import percentile
from evals.consent_attacks import call, erase_and_scan, run_attacks
from guardrails.consent.policy import trace_decisions
from tools.crm.tools import crm_tools
from tools.policy import Actor

N = 400


def _container(database_url: str = "") -> Container:
    """The demo CRM and consents, scripted model, no documents (retrieval is not what we measure)."""
    from sqlalchemy.orm import Session

    from app.demo.seed import load_tenant, seed_crm

    values = {"data_dir": Path(tempfile.mkdtemp(prefix="salesagent-bench-consent-")), "llm_provider": "scripted"}
    if database_url:
        values["database_url"] = database_url
    c = Container(Settings(_env_file=None, **values))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    return c


def _ms(fn, n: int = N) -> list[float]:  # noqa: ANN001
    for _ in range(20):
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _decide_rows(c: Container, db: str) -> list[Row]:
    rows = []
    cases = {"customer, own record (allow)": (Actor("customer", "con-001", "web"), "con-001"),
             "rep, territory (allow, masked)": (Actor("rep", "rep-002"), "con-002"),
             "customer, other record (deny)": (Actor("customer", "con-001", "web"), "con-002")}
    for name, (actor, contact) in cases.items():
        def decide(actor: Actor = actor, contact: str = contact) -> None:
            with trace_decisions():  # as inside a tool call: the middleware writes the one audit entry
                c.policy.decide(actor, contact_id=contact, purpose="sales_followup" if actor.role == "rep" else
                                "service", categories=["contact_details", "conversation_content"])
        t = _ms(decide)
        rows += [Row("consent", f"decide p50 [{db}] {name}", percentile(t, 50), "ms"),
                 Row("consent", f"decide p95 [{db}] {name}", percentile(t, 95), "ms")]
    return rows


def _guard_rows(c: Container, db: str) -> list[Row]:
    """The whole middleware around one tool call (role check + decide + one audit append) with a tool
    that returns at once, so only the consent layer's cost is timed."""
    guard = ConsentGuard(policy=c.policy, audit=c.audit)
    tool = crm_tools(c.crm)[0]
    ctx = TurnContext(conversation_id="bench", persona="customer", channel="web", language="en",
                      contact_id="con-001")
    request = SimpleNamespace(tool_call={"name": tool.name, "args": {}, "id": "t1"}, tool=tool,
                              runtime=SimpleNamespace(context=ctx))
    done = ToolMessage(content='{"ok": true}', tool_call_id="t1")
    t = _ms(lambda: guard.wrap_tool_call(request, lambda _: done))  # type: ignore[arg-type]
    return [Row("consent", f"middleware per tool call p50 [{db}]", percentile(t, 50), "ms", "",
                "role check + decide + audit append"),
            Row("consent", f"middleware per tool call p95 [{db}]", percentile(t, 95), "ms")]


def _turn_rows(c: Container) -> list[Row]:
    """A customer turn with one customer_360 call, with and without the consent layer."""
    def runner(guarded: bool) -> Runner:
        return Runner(model=c.model, conversations=c.conversations, crm=c.crm, kb=c.kb, queue=c.queue,
                      checkpointer=c.checkpointer, config=RunnerConfig(), policy=c.policy if guarded else None,
                      audit=c.audit if guarded else None, consent=c.consent_desk if guarded else None)

    runners = {False: runner(False), True: runner(True)}
    out: dict[bool, list[float]] = {False: [], True: []}
    for i in range(120):  # alternate turn by turn, so a busy machine slows both alike
        guarded = bool(i % 2)
        c.model.chat.script += [call("customer_360"), AIMessage(content="Hello Sarah.")]
        t = time.perf_counter()
        runners[guarded].handle(Inbound(f"turn-{guarded}-{i % 10}", "who am I?", channel_user_id="visitor-002"))
        out[guarded].append((time.perf_counter() - t) * 1000)
    off, on = percentile(out[False], 50), percentile(out[True], 50)
    return [Row("consent", "turn with 1 tool call p50, no consent layer", off, "ms"),
            Row("consent", "turn with 1 tool call p50, consent layer", on, "ms", "",
                "+ request classifier, tool gate, reply check"),
            Row("consent", "added per turn p50", on - off, "ms")]


def run() -> list[Row]:
    rows: list[Row] = []
    c = _container()
    rows += _decide_rows(c, "sqlite") + _guard_rows(c, "sqlite") + _turn_rows(c)
    c.close()

    from tests.conftest import PG_URL, postgres_available

    if postgres_available() is None:
        import uuid

        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        raw = PG_URL.replace("+psycopg", "")
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            pg = _container(f"{PG_URL}?options=-csearch_path%3D{schema}")
            rows += _decide_rows(pg, "postgresql") + _guard_rows(pg, "postgresql")
            pg.close()
        finally:
            with psycopg.connect(raw, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    c = _container()
    for r in run_attacks(c):
        rows.append(Row("consent attack", r.attack, "refused" if r.refused else "LEAKED", "",
                        "refused + audited", f"{r.outcome}; audited: {'yes' if r.audited else 'NO'}"))
    c.close()

    c = _container()
    residue, hits = erase_and_scan(c)
    c.close()
    rows += [Row("erasure", "residue (receipt's own re-scan)", float(residue), "traces", "0"),
             Row("erasure", "residue (independent scan)", float(len(hits)), "traces", "0",
                 "every column of every table, Chroma, checkpoint and database files")]
    return rows
