import hashlib

import pytest

from app.db import make_engine, upgrade
from guardrails.access import Principal, TokenStore


@pytest.fixture
def tokens(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    yield TokenStore(engine)
    engine.dispose()


def test_tokens_authenticate_to_their_role_until_revoked(tokens):
    t = tokens.create("reviewer", "alice")
    assert t.startswith("sa_") and len(t) > 40
    assert tokens.authenticate(t) == Principal("reviewer", "alice")
    assert tokens.authenticate(t + "x") is None
    assert tokens.authenticate("") is None and tokens.authenticate("sa_" + "a" * 500) is None
    assert tokens.revoke(t) and not tokens.revoke(t)
    assert tokens.authenticate(t) is None


def test_unknown_roles_are_refused(tokens):
    with pytest.raises(ValueError, match="unknown role"):
        tokens.create("superuser", "mallory")


def test_admin_may_review_but_reviewer_may_not_administer():
    assert Principal("admin", "a").has("reviewer")
    assert not Principal("reviewer", "r").has("admin")
    assert not Principal("rep", "rep-1").has("reviewer")


def test_tokens_are_listed_without_their_value_and_revoked_by_id(tokens):
    alice = tokens.create("reviewer", "alice", label="desk")
    bob = tokens.create("rep", "rep-001")
    listed = tokens.list()
    assert [(t.role, t.subject, t.label, t.revoked_at) for t in listed] == [("reviewer", "alice", "desk", None),
                                                                          ("rep", "rep-001", "", None)]
    shown = repr(listed)
    for token in (alice, bob):
        assert token not in shown and hashlib.sha256(token.encode()).hexdigest() not in shown
    first = listed[0].id
    assert tokens.revoke_id(first) and not tokens.revoke_id(first) and not tokens.revoke_id(999999)
    assert tokens.authenticate(alice) is None and tokens.authenticate(bob) == Principal("rep", "rep-001")
    assert [t.revoked_at is not None for t in tokens.list()] == [True, False]
