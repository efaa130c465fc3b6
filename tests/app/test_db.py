"""The store on SQLite and PostgreSQL: migrations, CRM round trip, conversation persistence."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from agent.conversations import ConversationStore, DuplicateMessage
from app.db import ALL_METADATA, current_revision, head_revision, make_engine, upgrade
from app.demo.seed import load_tenant, seed_crm
from tools.crm.store import SqlCrmStore


def test_upgrade_creates_every_table_and_matches_the_models(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    expected = {t for md in ALL_METADATA for t in md.tables}
    assert expected <= tables
    assert current_revision(engine) == head_revision(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), ALL_METADATA)
    assert diff == [], f"models and migrations differ: {diff}"
    upgrade(db_url)  # running again is a no-op
    engine.dispose()


def test_crm_seed_and_lookups(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    tenant = load_tenant()
    with Session(engine) as s:
        counts = seed_crm(s, tenant)
    with Session(engine) as s:
        assert seed_crm(s, tenant) == counts  # idempotent
    assert counts["accounts"] >= 20 and counts["reps"] == 3
    store = SqlCrmStore(engine)
    web = next(c for c in tenant["contacts"] if c.get("web_visitor_id"))
    found = store.contact_by_channel("web", web["web_visitor_id"])
    assert found is not None and found["id"] == web["id"]
    assert store.contact_by_channel("web", "no-such-visitor") is None
    assert store.contact_by_channel("fax", web["web_visitor_id"]) is None
    view = store.customer_360(web["id"])
    assert view is not None and view.contact["name"] == web["name"]
    assert view.account is not None and view.account["id"] == web["account_id"]
    name = tenant["accounts"][0]["name"]
    assert any(a["name"] == name for a in store.search_accounts(name[:5]))
    engine.dispose()


@pytest.fixture
def conversations(db_url):  # noqa: ANN001, ANN201 - a ConversationStore on a migrated database
    upgrade(db_url)
    engine = make_engine(db_url)
    yield ConversationStore(engine)
    engine.dispose()


def test_conversation_messages_round_trip_and_dedupe(conversations):  # noqa: ANN001
    store = conversations
    store.ensure("c-1", channel="web")
    store.ensure("c-1", channel="slack")  # second call returns the existing row
    assert store.get("c-1").channel == "web"
    store.add_message("c-1", "customer", "你好 hello", channel_message_id="m-1")
    try:
        store.add_message("c-1", "customer", "again", channel_message_id="m-1")
        raise AssertionError("duplicate channel message id was stored")
    except DuplicateMessage:
        pass
    added = store.add_message("c-1", "assistant", "hi", citations=[{"source": "a.md"}], meta={"k": 1})
    msgs = store.messages("c-1")
    assert [(m.role, m.text) for m in msgs] == [("customer", "你好 hello"), ("assistant", "hi")]
    assert msgs[1].citations == [{"source": "a.md"}]
    # what add_message returns is what was stored (its id, its timestamp), not a guess
    assert (added.id, added.meta, added.citations) == (msgs[1].id, {"k": 1}, [{"source": "a.md"}])
    assert added.created_at is not None and abs((added.created_at - msgs[1].created_at).total_seconds()) < 1


def test_transcript_is_the_newest_messages_oldest_first(conversations):  # noqa: ANN001
    store = conversations
    store.ensure("c-2", channel="web")
    store.ensure("c-other", channel="web")
    for n in range(5):
        store.add_message("c-2", "customer" if n % 2 == 0 else "assistant", f"m{n}",
                          status="sent" if n != 3 else "pending_review")
    store.add_message("c-other", "customer", "not this conversation")
    rows = store.transcript("c-2", limit=3)
    assert [(r.role, r.status, r.text) for r in rows] == [
        ("customer", "sent", "m2"), ("assistant", "pending_review", "m3"), ("customer", "sent", "m4")]
    assert [r.text for r in store.transcript("c-2")] == ["m0", "m1", "m2", "m3", "m4"]
