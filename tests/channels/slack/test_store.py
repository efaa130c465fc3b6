"""The Slack channel's durable state on SQLite and PostgreSQL: what must happen once, happens once,
also across a restart (a new store on the same database)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from app.db import make_engine, upgrade
from channels.slack.store import SlackStore
from tools.sqlbase import utcnow


def test_replays_and_retries_are_recognised_durably(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    store = SlackStore(engine)
    assert store.admit("v0=aaa", "Ev1") == "new"
    assert store.admit("v0=aaa", "Ev1") == "replay", "the same signed request again"
    assert store.admit("v0=bbb", "Ev1") == "duplicate", "a retry: new signature, same event"
    assert store.admit("v0=ccc", None) == "new" and store.admit("v0=ccc", None) == "replay"
    assert store.admit(None, "Ev2") == "new" and store.admit(None, "Ev2") == "duplicate"  # Socket Mode
    restarted = SlackStore(make_engine(db_url))
    assert restarted.admit("v0=ddd", "Ev1") == "duplicate"
    with ThreadPoolExecutor(8) as pool:  # a burst of Slack retries of one event: one wins
        verdicts = list(pool.map(lambda i: restarted.admit(f"v0=race{i}", "Ev3"), range(8)))
    assert sorted(verdicts) == ["duplicate"] * 7 + ["new"]
    assert store.prune(utcnow() + timedelta(minutes=11)) >= 5, "old signatures are forgotten"
    assert store.admit("v0=ddd", "Ev1") == "duplicate", "event ids are kept longer than signatures"
    assert store.prune(utcnow() + timedelta(days=3)) >= 3
    assert store.admit("v0=zzz", "Ev1") == "new"
    engine.dispose()


def test_deliveries_reviews_and_lead_notices_change_state_once(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    store = SlackStore(engine)
    assert store.claim_delivery(7, "C1") and not store.claim_delivery(7, "C1")
    store.release_delivery(7)
    assert store.claim_delivery(7, "C1")
    store.delivered(7, "1.2")
    store.release_delivery(7)  # a delivered item is never released
    assert store.delivery(7) == {"channel": "C1", "ts": "1.2", "state": "sent"}

    assert store.claim_review_post(3, "CREV") and not store.claim_review_post(3, "CREV")
    store.posted(3, "9.9")
    assert store.open_review_posts() == [{"item_id": 3, "channel": "CREV", "ts": "9.9"}]
    assert store.close_review_post(3) and not store.close_review_post(3)

    due = utcnow() - timedelta(minutes=1)
    n = store.add_notice(lead_id="lead-1", rep_id="rep-001", sla_due_at=due, event={"summary": "x"})
    store.add_notice(lead_id="lead-2", rep_id="rep-001", sla_due_at=utcnow() + timedelta(hours=1), event={})
    assert [x.lead_id for x in store.overdue_notices()] == ["lead-1"]
    with ThreadPoolExecutor(4) as pool:
        wins = list(pool.map(lambda s: store.decide_notice(n, s), ["declined", "accepted", "expired", "declined"]))
    assert wins.count(True) == 1 and store.overdue_notices() == []
    assert {x.lead_id for x in store.notices_for_rep("rep-001", ("pending",))} == {"lead-2"}
    engine.dispose()
