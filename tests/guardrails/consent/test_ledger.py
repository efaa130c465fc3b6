"""The consent ledger: provenance, history that keeps revoked grants, narrowing, expiry, validation,
hooks that fire on revocation (and never lose it when they fail), every change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guardrails.consent import ConsentError
from tools.sqlbase import utcnow


@pytest.fixture
def ledger(db_container):
    return db_container.consents


def test_seeded_history_keeps_provenance_and_revocations(ledger):
    history = ledger.history("con-003")
    assert {g.purpose for g in history} == {"service", "sales_followup"}
    revoked = next(g for g in history if g.purpose == "sales_followup")
    assert revoked.status() == "revoked" and revoked.revoked_at is not None
    assert revoked.source == "wecom_chat" and revoked.notice_version == "2025-06"
    assert revoked.given_in == "import:tenant.json"
    assert [g.purpose for g in ledger.active("con-003")] == ["service"]
    expired = next(g for g in ledger.history("con-006") if g.purpose == "marketing")
    assert expired.status() == "expired" and expired not in ledger.active("con-006")


def test_grant_records_provenance_and_is_audited(ledger, db_container):
    g = ledger.grant("con-001", "marketing", ["contact_details"], ["email"], source="phone_call",
                     recorded_by="rep:rep-001", given_in="call 2026-11-20",
                     expires_at=utcnow() + timedelta(days=365))
    assert g.status() == "active" and g.recorded_by == "rep:rep-001" and g.source == "phone_call"
    assert db_container.policy.can_contact("con-001", "email", "marketing").allowed
    entry = db_container.audit.entries(action="consent.grant")[-1]
    assert entry.subject == "contact:con-001" and entry.purpose == "marketing"
    assert entry.detail["grant_id"] == g.id and entry.detail["channels"] == ["email"]


@pytest.mark.parametrize("kwargs,message", [
    (dict(purpose="spying"), "unknown purpose"),
    (dict(data_categories=["dna"]), "unknown data category"),
    (dict(channels=["fax"]), "unknown channel"),
    (dict(data_categories=[]), "at least one"),
    (dict(source=""), "provenance"),
    (dict(notice_hash="f" * 64), "no notice"),
    (dict(expires_at=utcnow() - timedelta(days=1)), "expires_at"),
])
def test_bad_grants_are_refused_and_change_nothing(ledger, kwargs, message):
    before = ledger.history("con-001")
    args = dict(purpose="marketing", data_categories=["contact_details"], channels=["email"], source="web_form",
                recorded_by="admin:root") | kwargs
    with pytest.raises(ConsentError, match=message):
        ledger.grant("con-001", args.pop("purpose"), args.pop("data_categories"), args.pop("channels"), **args)
    assert ledger.history("con-001") == before


def test_revoking_some_channels_narrows_the_grant_and_keeps_history(ledger, db_container):
    # con-002's marketing grant covers wecom and email
    revoked = ledger.revoke("con-002", "marketing", ["email"], by="customer:con-002", reason="asked")
    assert len(revoked) == 1
    history = [g for g in ledger.history("con-002") if g.purpose == "marketing"]
    old, new = sorted(history, key=lambda g: g.id)
    assert old.status() == "revoked" and old.revoked_by == "customer:con-002"
    assert new.status() == "active" and new.channels == ("wecom",) and new.replaces_id == old.id
    assert new.source == old.source and new.granted_at == old.granted_at  # provenance carried over
    assert db_container.policy.can_contact("con-002", "wecom", "marketing").allowed
    assert not db_container.policy.can_contact("con-002", "email", "marketing").allowed


def test_revocation_fires_hooks_once_nothing_is_left(ledger, db_container):
    calls = []
    ledger.hooks.on("consent.revoked", lambda contact_id, purpose: calls.append((contact_id, purpose)),
                    purpose="case_learning", name="test")
    ledger.revoke("con-002", "case_learning", ["web"], by="customer:con-002")  # wecom still granted
    assert calls == []
    ledger.revoke("con-002", "case_learning", by="customer:con-002")
    assert calls == [("con-002", "case_learning")]
    assert not db_container.policy.case_learning_allowed("con-002")
    entry = db_container.audit.entries(action="consent.revoke")[-1]
    assert {"hook": "test", "ok": True} in entry.detail["hooks"]


def test_a_failing_hook_never_loses_the_revocation(ledger, db_container, caplog):
    def broken(contact_id, purpose):
        raise RuntimeError(f"index down while removing {contact_id}: +1 617 555 0142")

    ledger.hooks.on("consent.revoked", broken, name="broken")
    ledger.revoke("con-001", "profiling", by="customer:con-001")
    assert not db_container.policy.profiling("con-001").allowed
    entry = db_container.audit.entries(action="consent.revoke")[-1]
    assert entry.detail["hooks"] == [{"hook": "broken", "ok": False, "error": "RuntimeError"}]
    assert "617 555 0142" not in caplog.text  # the exception's message is not logged


def test_unknown_event_names_are_refused(ledger):
    with pytest.raises(ValueError, match="unknown event"):
        ledger.hooks.on("consent.revokd", lambda **_: None)
