"""Test doubles that ship with the outbox: a recording fake channel and a crash-injection harness.

`RecordingChannel` stands in for an outside channel API. It keeps two tables in the same database:
every call (`fake_channel_attempts`) and every effect a customer would see (`fake_channel_effects`, no
unique constraint, so a double effect would show). Its idempotency is the adapter's own check-then-
write under a lock, which is what the crash test puts under pressure.

`crash_run()` approves N review items while 2–3 worker processes deliver them and are killed with
SIGKILL at random moments and restarted, then counts at the fake channel. Used by the test suite and by
`evals/bench/bench_outbox.py`. Worker processes run `python -m channels.outbox.testing URL`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, func, insert, select, text

from channels.outbox.message import OutboundMessage, Receipt
from tools.sqlbase import utcnow

FAKE = MetaData()
ATTEMPTS = Table("fake_channel_attempts", FAKE, Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("key", String(200), index=True), Column("pid", Integer), Column("at", DateTime))
EFFECTS = Table("fake_channel_effects", FAKE, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("key", String(200), index=True), Column("pid", Integer), Column("at", DateTime))
ROOT = Path(__file__).resolve().parents[2]


class RecordingChannel:
    channel = "fake"

    def __init__(self, engine: Engine, latency_s: float = 0.0):
        self.engine, self.latency_s = engine, latency_s
        FAKE.create_all(engine)

    def deliver(self, message: OutboundMessage) -> Receipt:
        if self.latency_s:
            time.sleep(self.latency_s)
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": message.key})
            conn.execute(insert(ATTEMPTS).values(key=message.key, pid=os.getpid(), at=utcnow()))
            seen = conn.execute(select(EFFECTS.c.id).where(EFFECTS.c.key == message.key)).first()
            if seen is None:
                conn.execute(insert(EFFECTS).values(key=message.key, pid=os.getpid(), at=utcnow()))
            conn.commit()
        return Receipt(f"fake:{message.key}", duplicate=seen is not None)


@dataclass
class CrashReport:
    database: str
    messages: int
    workers: int
    kills: int
    delivered_keys: int  # distinct keys with an effect at the channel
    lost: int
    delivered_twice: int  # keys with more than one effect
    attempts: int  # calls to the channel, duplicates included
    duplicate_attempts: int  # calls the channel's idempotency absorbed
    outbox_delivered: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # approval → delivered, seconds

    def p95(self) -> float:
        values = sorted(self.latencies)
        return values[int(0.95 * (len(values) - 1))] if values else float("nan")


def _spawn(url: str, log_dir: Path, n: int, lease_s: float) -> subprocess.Popen:
    ready = log_dir / f"ready-{n}"
    ready.unlink(missing_ok=True)
    with open(log_dir / f"worker-{n}.log", "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "channels.outbox.testing", url, str(lease_s), str(ready)],
                                cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def crash_run(url: str, *, messages: int = 1000, workers: int = 3, kill_every: tuple[float, float] = (0.3, 1.0),
              min_uptime_s: float = 0.5, min_kills: int = 6, approve_rate: float = 80.0, lease_s: float = 1.5, timeout_s: float = 240.0, log_dir: Path | None = None,
              seed: int = 7) -> CrashReport:
    """Approve `messages` drafts through the review desk while `workers` processes deliver them under
    SIGKILL; returns what the fake channel saw. The database at `url` must be migrated and empty."""
    from app.db import make_engine
    from channels.outbox.store import Outbox, OutboxRow
    from channels.review.desk import ReviewDesk
    from guardrails.access import Principal
    from guardrails.audit import AuditLog
    from guardrails.verification.breaker import CircuitBreaker
    from guardrails.verification.queue import ReviewQueue

    rng = random.Random(seed)
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="salesagent-crash-"))
    engine = make_engine(url)
    RecordingChannel(engine)  # creates the fake channel's tables before any worker starts
    audit = AuditLog(engine)
    queue = ReviewQueue(engine, audit_in=audit.append_in)
    desk = ReviewDesk(queue, Outbox(engine, audit_in=audit.append_in), CircuitBreaker(engine, audit_in=audit.append_in))
    items = [queue.enqueue(conversation_id=f"crash-{i}", draft=f"Reply {i}", reasons=["test"], channel="fake",
                           flow="fake:customer").id for i in range(messages)]
    reviewer = Principal("reviewer", "crash-test")
    approve_errors: list[BaseException] = []

    def approve_all() -> None:  # a reviewer approving as fast as they can while workers deliver and die
        try:
            t0 = time.monotonic()
            for n, item_id in enumerate(items):
                desk.decide(reviewer, item_id, "approve")
                ahead = t0 + (n + 1) / approve_rate - time.monotonic()
                if ahead > 0:  # paced, so deliveries and kills overlap for the whole run
                    time.sleep(ahead)
        except BaseException as exc:  # reported by the caller
            approve_errors.append(exc)

    def delivered() -> int:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(OutboxRow)
                                .where(OutboxRow.status == "delivered")).scalar()

    started = time.monotonic()
    procs = [_spawn(url, log_dir, n, lease_s) for n in range(workers)]
    approver = threading.Thread(target=approve_all, name="approver")
    approver.start()
    kills = 0
    try:
        while time.monotonic() - started < timeout_s and not approve_errors:
            time.sleep(rng.uniform(*kill_every))
            done = not approver.is_alive() and delivered() == len(items)
            if done and kills >= min_kills:
                break
            # only workers that have been up a while: a worker killed while still importing tests nothing
            ready = [n for n in range(workers) if _up_for(log_dir / f"ready-{n}") >= min_uptime_s]
            if not done and ready:
                victim = rng.choice(ready)
                procs[victim].send_signal(signal.SIGKILL)
                procs[victim].wait()
                kills += 1
                procs[victim] = _spawn(url, log_dir, victim, lease_s)
            elif done:
                break
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
        approver.join()
    if approve_errors:
        raise approve_errors[0]
    seconds = time.monotonic() - started
    with engine.connect() as conn:
        effects = conn.execute(select(EFFECTS.c.key, func.count()).group_by(EFFECTS.c.key)).all()
        attempts = conn.execute(select(func.count()).select_from(ATTEMPTS)).scalar()
        outbox_delivered = conn.execute(select(func.count()).select_from(OutboxRow)
                                        .where(OutboxRow.status == "delivered")).scalar()
    expected = {f"review_item:{i}:reply" for i in items}
    got = {k for k, _ in effects}
    latencies = Outbox(engine).latencies()
    engine.dispose()
    return CrashReport(database=url.split(":")[0], messages=messages, workers=workers, kills=kills,
                       delivered_keys=len(got & expected), lost=len(expected - got),
                       delivered_twice=sum(1 for _, n in effects if n > 1), attempts=attempts,
                       duplicate_attempts=attempts - len(got), outbox_delivered=outbox_delivered,
                       seconds=seconds, latencies=latencies)


def _up_for(ready: Path) -> float:
    """Seconds since the worker started delivering (it touches `ready` then); 0 while it is still starting."""
    try:
        return time.time() - ready.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _worker_main(url: str, lease_s: float, ready: str = "") -> None:
    from app.db import make_engine
    from channels.outbox.store import Outbox
    from channels.outbox.worker import Worker
    from guardrails.audit import AuditLog

    engine = make_engine(url)
    audit = AuditLog(engine)
    worker = Worker(Outbox(engine, audit_in=audit.append_in, max_attempts=1000, backoff_base_s=0.05,
                           backoff_max_s=0.5), [RecordingChannel(engine)], batch=10, lease_s=lease_s, poll_s=0.05)
    if ready:
        Path(ready).touch()
    worker.run_forever()


if __name__ == "__main__":
    _worker_main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.5, sys.argv[3] if len(sys.argv) > 3 else "")


class NullChannel:
    """A zero-latency channel for throughput measurements: accepts everything, does nothing."""

    channel = "null"

    def deliver(self, message: OutboundMessage) -> Receipt:
        return Receipt(f"null:{message.key}")
