"""The audit chain detects a one-byte change in any entry, a deleted entry, and a deleted chain, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.db import make_engine, upgrade
from guardrails.audit import AuditLog


@pytest.fixture
def chain(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    log = AuditLog(engine)
    for i in range(5):
        log.append(actor="agent", action="tool.customer_360", subject=f"contact:con-{i}", purpose="service",
                   detail={"fields": ["name", "<PHONE_NUMBER_1>"], "n": i})
    yield log, engine
    engine.dispose()


def test_intact_chain_verifies(chain):
    log, _ = chain
    assert log.verify() is None
    assert [e.seq for e in log.entries()] == [1, 2, 3, 4, 5]
    assert [e.subject for e in log.entries(subject="contact:con-3")] == ["contact:con-3"]


@pytest.mark.parametrize("column,value", [("actor", "agenT"), ("purpose", "servicf"), ("subject", "contact:con-X")])
def test_one_byte_change_is_found(chain, column, value):
    log, engine = chain
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_entries SET {column} = :v WHERE seq = 3"), {"v": value})
    broken = log.verify()
    assert broken is not None and broken.seq == 3


def test_changed_detail_is_found(chain):
    log, engine = chain
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET detail = :d WHERE seq = 2"),
                     {"d": '{"fields": ["name", "<PHONE_NUMBER_2>"], "n": 1}'})
    assert log.verify().seq == 2


def test_deleted_entry_is_found(chain):
    log, engine = chain
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
    broken = log.verify()
    assert broken is not None and broken.seq == 4 and "missing" in broken.reason


# -- the signed head: deleting the last entries, rewriting the head, rolling back ----------------

KEY = b"k" * 32


@pytest.fixture
def signed(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    log = AuditLog(engine, key=KEY)
    assert log.start()  # as setting up the database does
    for i in range(4):
        log.append(actor="system", action="consent.grant", subject=f"contact:con-{i}", detail={"i": i})
    yield log, engine
    engine.dispose()


@pytest.mark.parametrize("column,value", [("at", "2020-01-01 00:00:00"), ("action", "consent.granT"),
                                          ("prev_hash", "1" + "0" * 63), ("hash", "f" * 64)])
def test_a_change_to_any_column_is_found(signed, column, value):
    log, engine = signed
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_entries SET {column} = :v WHERE seq = 2"), {"v": value})
    broken = log.verify()
    assert broken is not None and broken.seq in (2, 3)  # a changed hash shows at the next link


def test_one_changed_byte_in_the_detail_json_is_found(signed):
    log, engine = signed
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT CAST(detail AS TEXT) FROM audit_entries WHERE seq = 3")).scalar()
    flipped = raw.replace("2", "3")
    assert flipped != raw and len(flipped) == len(raw)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET detail = :d WHERE seq = 3"), {"d": flipped})
    broken = log.verify()
    assert broken is not None and broken.seq == 3


def test_deleting_the_last_entry_is_found(signed):
    log, engine = signed
    assert log.verify() is None and log.head().seq == 4
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
    broken = log.verify()
    assert broken is not None and broken.seq == 4 and "missing" in broken.reason
    # the next append continues from the head, so the gap stays visible
    log.append(actor="system", action="x")
    assert log.verify().seq == 4


def test_deleting_the_tail_and_rewriting_the_head_without_the_key_is_found(signed):
    log, engine = signed
    with engine.begin() as conn:
        prev = conn.execute(text("SELECT hash FROM audit_entries WHERE seq = 3")).scalar()
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": prev})
    broken = log.verify()
    assert broken is not None and broken.seq == 3 and "signature" in broken.reason
    assert AuditLog(engine, key=b"another key").verify() is not None


def test_deleting_every_entry_and_the_head_is_found(signed):
    log, engine = signed
    anchor = log.head()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq >= 3"))
        conn.execute(text("DELETE FROM audit_head"))
    assert log.verify() is not None  # entries without a head
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
    broken = log.verify()  # even an empty chain had its genesis head
    assert broken is not None and broken.seq == 1 and "no head" in broken.reason
    broken = log.verify([anchor])  # and an anchor says how much was there
    assert broken is not None and broken.seq == 4


def test_entries_written_after_the_chain_was_deleted_do_not_make_it_look_new(signed):
    log, engine = signed
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
        conn.execute(text("DELETE FROM audit_head"))
    log.append(actor="system", action="consent.grant", subject="contact:con-9")
    log.append(actor="system", action="consent.grant", subject="contact:con-9")
    assert [e.seq for e in log.entries()] == [1, 2]  # kept, and linked to each other
    broken = log.verify()
    assert broken is not None and "no head" in broken.reason
    assert not log.start()  # nor does setting up again start it afresh


def test_a_new_chain_has_a_signed_genesis_head(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        log = AuditLog(engine, key=KEY)
        assert log.verify() is not None  # no head at all: not a chain that was set up
        assert log.start() and not log.start()
        assert log.verify() is None and log.head() is None  # intact, and nothing to anchor yet
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET mac = :m"), {"m": "0" * 64})
        broken = log.verify()
        assert broken is not None and broken.seq == 0 and "signature" in broken.reason
        assert AuditLog(engine, key=b"another key").verify() is not None
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_head"))
        assert log.verify() is not None
    finally:
        engine.dispose()


def test_a_chain_signed_before_genesis_heads_still_verifies_and_grows(db_url):
    """A database from before genesis heads: its head was made with its first entry and signed since."""
    import hashlib
    import hmac

    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        AuditLog(engine).append(actor="system", action="consent.grant", subject="contact:con-1")
        with engine.begin() as conn:
            seq, digest = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
            conn.execute(text("UPDATE audit_head SET mac = :m"),
                         {"m": hmac.new(KEY, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()})
        log = AuditLog(engine, key=KEY)
        assert log.verify() is None and not log.start()
        log.append(actor="system", action="consent.revoke", subject="contact:con-1")
        assert log.verify() is None and log.head().seq == 2
    finally:
        engine.dispose()


def test_an_anchor_finds_an_entry_rewritten_with_a_recomputed_chain(signed):
    """Someone with the key and the database rewrites entry 2 and re-hashes everything after it: the
    chain is consistent again, but no longer matches the anchored copy."""
    from guardrails.audit.chain import AuditEntry, AuditHead, entry_hash

    log, engine = signed
    anchor = log.head()
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        prev = None
        for e in s.query(AuditEntry).order_by(AuditEntry.seq):
            if e.seq == 2:
                e.detail = {"i": 99}
            if prev is not None:
                e.prev_hash = prev
            e.hash = entry_hash(e.seq, e.at, e.actor, e.action, e.subject, e.purpose, e.detail, e.prev_hash)
            prev = e.hash
        head = s.get(AuditHead, 1)
        head.hash, head.mac = prev, log._mac(head.seq, prev)
        s.commit()
    assert log.verify() is None
    broken = log.verify([anchor])
    assert broken is not None and broken.seq == 4 and "anchored" in broken.reason
