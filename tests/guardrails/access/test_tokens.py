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
