"""Outbox delivery: throughput with a zero-latency channel, p95 time from a reviewer's approval to
delivery, and the crash-injection counts (1,000 approvals, 3 workers SIGKILLed at random moments),
on SQLite and, when reachable, PostgreSQL.

    python -m evals.bench outbox
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evals.bench import Row
from evals.bench.common import percentile

PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def database(kind: str) -> Iterator[str]:
    from app.db import upgrade

    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-outbox-") as d:
            url = f"sqlite:///{Path(d) / 'outbox.db'}"
            upgrade(url)
            yield url
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    raw = PG.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = f"{PG}?options=-csearch_path%3D{schema}"
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _services(url: str):  # noqa: ANN202
    from app.db import make_engine
    from channels.outbox import Outbox
    from channels.review import ReviewDesk
    from guardrails.audit import AuditLog
    from guardrails.verification.breaker import CircuitBreaker
    from guardrails.verification.queue import ReviewQueue

    engine = make_engine(url)
    audit = AuditLog(engine)
    queue = ReviewQueue(engine, audit_in=audit.append_in)
    outbox = Outbox(engine, audit_in=audit.append_in)
    return engine, queue, outbox, ReviewDesk(queue, outbox, CircuitBreaker(engine, audit_in=audit.append_in))


def throughput(url: str, n: int = 2000) -> float:
    """Messages/s one worker delivers to a zero-latency channel (claim, check, deliver, record + audit)."""
    from channels.outbox import OutboundMessage, Worker
    from channels.outbox.testing import NullChannel

    engine, _, outbox, _ = _services(url)
    for i in range(n):
        outbox.enqueue(OutboundMessage(key=f"bench-{i}", channel="null", kind="reply", payload={"text": "x"}))
    worker = Worker(outbox, [NullChannel()], batch=50)
    t = time.perf_counter()
    worker.drain(timeout=600)
    elapsed = time.perf_counter() - t
    assert outbox.counts() == {"delivered": n}, outbox.counts()
    engine.dispose()
    return n / elapsed


def approval_to_delivery(url: str, n: int = 200, rate: float = 20.0) -> list[float]:
    """Seconds from a reviewer's approval to delivery with the in-process worker running (as in `serve`)."""
    from channels.outbox import Worker
    from channels.outbox.testing import NullChannel
    from guardrails.access import Principal

    engine, queue, outbox, desk = _services(url)
    ids = [queue.enqueue(conversation_id=f"lat-{i}", draft="x", reasons=[], channel="null").id for i in range(n)]
    worker = Worker(outbox, [NullChannel()], poll_s=0.5).start_in_thread()
    who = Principal("reviewer", "bench")
    try:
        for item_id in ids:
            desk.decide(who, item_id, "approve")
            time.sleep(1 / rate)
        deadline = time.monotonic() + 60
        while outbox.counts().get("delivered", 0) < n and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    latencies = outbox.latencies()
    engine.dispose()
    return latencies


def _postgres_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG.replace("+psycopg", ""), connect_timeout=2):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable: {type(exc).__name__}"


def run() -> list[Row]:
    from channels.outbox.testing import crash_run

    rows: list[Row] = []
    kinds = ["sqlite"] + ([] if _postgres_reason() else ["postgresql"])
    if len(kinds) == 1:
        rows.append(Row("outbox", "postgresql", "skipped", note=_postgres_reason() or ""))
    for kind in kinds:
        with database(kind) as url:
            rows.append(Row("outbox", f"{kind} throughput", throughput(url), "msg/s", "",
                            "1 worker, zero-latency channel, 2000 msgs, audited"))
        with database(kind) as url:
            lat = approval_to_delivery(url)
            rows.append(Row("outbox", f"{kind} approval→delivery p50", percentile(lat, 50), "s", "",
                            f"in-process worker, {len(lat)} approvals at 20/s"))
            rows.append(Row("outbox", f"{kind} approval→delivery p95", percentile(lat, 95), "s", "≤ 1"))
        with database(kind) as url, tempfile.TemporaryDirectory(prefix="bench-crash-") as logs:
            r = crash_run(url, messages=1000, workers=3, lease_s=1.0, log_dir=Path(logs))
            note = f"{r.kills} SIGKILLs, 3 workers, {r.seconds:.0f}s"
            rows += [Row("outbox", f"{kind} crash: delivered", float(r.delivered_keys), "msgs", "1000", note),
                     Row("outbox", f"{kind} crash: lost", float(r.lost), "msgs", "0"),
                     Row("outbox", f"{kind} crash: delivered twice", float(r.delivered_twice), "msgs", "0"),
                     Row("outbox", f"{kind} crash: redeliveries absorbed", float(r.duplicate_attempts), "calls", "",
                         "calls the channel's idempotency key turned into no-ops"),
                     Row("outbox", f"{kind} crash: approval→delivery p95", r.p95(), "s", "",
                         "paced approvals at 80/s while workers are killed")]
    return rows
