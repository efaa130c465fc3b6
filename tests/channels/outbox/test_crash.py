"""Crash injection: 1,000 approved replies, 3 worker processes killed with SIGKILL at random moments and
restarted. Counted at a fake channel that records every call and every effect: none lost, none twice."""

from __future__ import annotations

from app.db import make_engine, upgrade
from channels.outbox.testing import crash_run
from guardrails.audit import AuditLog


def test_no_approved_message_is_lost_or_delivered_twice_when_workers_are_killed(db_url, tmp_path):
    upgrade(db_url)
    report = crash_run(db_url, messages=1000, workers=3, min_kills=6, lease_s=1.0, log_dir=tmp_path)
    print(f"\n{report.database}: {report.kills} kills, {report.delivered_keys} delivered, {report.lost} lost, "
          f"{report.delivered_twice} twice, {report.duplicate_attempts} duplicate calls absorbed, "
          f"{report.seconds:.1f}s, p95 approval→delivery {report.p95():.2f}s")
    assert report.kills >= 6, "the workers must actually have been killed"
    assert report.lost == 0
    assert report.delivered_twice == 0
    assert report.delivered_keys == 1000 and report.outbox_delivered == 1000
    # A redelivery only happens when a worker died between calling the channel and recording it:
    # each kill can leave at most one batch (10) in flight. More would mean live workers raced.
    assert report.duplicate_attempts <= report.kills * 10
    engine = make_engine(db_url)
    try:
        assert AuditLog(engine).verify() is None, "the audit chain survives processes killed mid-write"
    finally:
        engine.dispose()
