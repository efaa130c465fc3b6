"""The policy decision point over the demo tenant: ABAC by role, consent by purpose × category ×
channel, masking, frozen contacts, the outbound, retrieval and scoring checks. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from guardrails.consent.policy import trace_decisions
from tools.crm.models import Contact
from tools.policy import Actor

ALL = ["contact_details", "company_profile", "purchase_history", "conversation_content"]


@pytest.fixture
def policy(db_container):
    return db_container.policy


def test_customer_sees_only_their_own_record(policy):
    me = Actor("customer", "con-001", "web")
    assert policy.decide(me, contact_id="con-001", purpose="service", categories=ALL).allowed
    other = policy.decide(me, contact_id="con-002", purpose="service", categories=["contact_details"])
    assert not other.allowed and "own" in other.reason
    # an id that does not exist gets the same answer, so ids cannot be probed
    assert policy.decide(me, contact_id="con-999", purpose="service", categories=["contact_details"]).reason == \
        other.reason
    assert not policy.decide(Actor("customer", None), contact_id="con-001", purpose="service",
                             categories=["contact_details"]).allowed
    # their own account, but not another one
    assert policy.decide(me, contact_id=None, account_id="acc-001", purpose="service",
                         categories=["company_profile"]).allowed
    assert not policy.decide(me, contact_id=None, account_id="acc-002", purpose="service",
                             categories=["company_profile"]).allowed


def test_customer_consent_depends_on_the_channel_they_use(policy):
    # con-001's service grant covers web, email, slack and phone, not WeCom
    assert policy.decide(Actor("customer", "con-001", "slack"), contact_id="con-001", purpose="service",
                         categories=["contact_details"]).allowed
    d = policy.decide(Actor("customer", "con-001", "wecom"), contact_id="con-001", purpose="service",
                      categories=["contact_details"])
    assert not d.allowed and d.missing == (("service", "contact_details", "wecom"),)


def test_rep_scope_is_own_accounts_and_territories(policy):
    emily = Actor("rep", "rep-001")  # owns NA/EU accounts; territories NA, EU
    xiaowen = Actor("rep", "rep-002")  # territories CN, APAC
    asked = dict(purpose="sales_followup", categories=["contact_details"])
    assert policy.decide(emily, contact_id="con-001", **asked).allowed  # acc-001, NA, owned
    assert not policy.decide(emily, contact_id="con-002", **asked).allowed  # acc-002, CN
    assert policy.decide(xiaowen, contact_id="con-002", **asked).allowed
    # acc-026 is APAC and owned by rep-002; rep-003 (APAC territory) sees it through the territory
    assert policy.decide(Actor("rep", "rep-003"), contact_id="con-029", **asked).allowed
    assert not policy.decide(Actor("rep", "rep-003"), contact_id="con-001", **asked).allowed
    assert not policy.decide(Actor("rep", "rep-999"), contact_id="con-001", **asked).allowed
    assert not policy.decide(Actor("rep", None), contact_id="con-001", **asked).allowed
    assert policy.decide(emily, contact_id=None, account_id="acc-005", purpose="sales_followup",
                         categories=["company_profile"]).allowed
    assert not policy.decide(emily, contact_id=None, account_id="acc-002", purpose="sales_followup",
                             categories=["company_profile"]).allowed
    # an account that does not match the contact is refused even when both are in scope
    assert not policy.decide(emily, contact_id="con-001", account_id="acc-003", **asked).allowed


def test_roles_have_purposes_and_consent_binds_everyone(policy):
    assert not policy.decide(Actor("reviewer", "ann"), contact_id="con-002", purpose="marketing",
                             categories=["contact_details"]).allowed
    assert policy.decide(Actor("reviewer", "ann"), contact_id="con-002", purpose="service",
                         categories=["contact_details"]).allowed
    # admins see every contact, but cannot market to one who never agreed to marketing
    d = policy.decide(Actor("admin", "root"), contact_id="con-001", purpose="marketing",
                      categories=["contact_details"])
    assert not d.allowed and d.missing == (("marketing", "contact_details", "*"),)
    assert not policy.decide(Actor("intruder", "x"), contact_id="con-001", purpose="service",
                             categories=["contact_details"]).allowed
    assert not policy.decide(Actor("admin", "root"), contact_id="con-001", purpose="spying",
                             categories=["contact_details"]).allowed


def test_partial_consent_masks_the_missing_categories(policy):
    # con-001's sales_followup grant covers contact details, company profile and purchase history only
    d = policy.decide(Actor("rep", "rep-001"), contact_id="con-001", purpose="sales_followup",
                      categories=["contact_details", "conversation_content"])
    assert d.allowed and d.masked == {"conversation_content"}
    assert d.missing == (("sales_followup", "conversation_content", "*"),)
    none = policy.decide(Actor("rep", "rep-001"), contact_id="con-001", purpose="sales_followup",
                         categories=["social_behavioural"])
    assert not none.allowed


def test_revoked_and_expired_grants_count_for_nothing(policy):
    rep = Actor("rep", "rep-002")
    # con-003 revoked sales_followup before the import; con-006's marketing expired in June 2026
    assert not policy.decide(rep, contact_id="con-003", purpose="sales_followup",
                             categories=["contact_details"]).allowed
    assert not policy.can_contact("con-006", "email", "marketing").allowed
    assert policy.can_contact("con-004", "email", "marketing").allowed
    policy.ledger.revoke("con-004", "marketing", by="customer:con-004")
    assert not policy.can_contact("con-004", "email", "marketing").allowed


def test_outbound_check_needs_the_channel_and_the_purpose(policy):
    assert policy.can_contact("con-002", "wecom", "marketing").allowed
    sms = policy.can_contact("con-002", "sms", "marketing")
    assert not sms.allowed and sms.missing == (("marketing", "contact_details", "sms"),)
    assert not policy.can_contact("con-001", "email", "marketing").allowed  # never agreed to marketing
    assert not policy.can_contact("con-001", "fax", "service").allowed
    assert not policy.can_contact("con-999", "email", "service").allowed
    assert policy.can_contact(None, "web", "service").allowed  # answering an anonymous visitor's own session
    assert not policy.can_contact(None, "web", "marketing").allowed


def test_case_learning_and_profiling_checks(policy):
    assert policy.case_learning_allowed("con-001")
    assert not policy.case_learning_allowed("con-004")  # never granted
    assert not policy.case_learning_allowed("con-999")
    assert policy.profiling("con-001").allowed
    p = policy.profiling("con-004")
    assert not p.allowed and {m[0] for m in p.missing} == {"profiling"}


def test_frozen_contacts_are_refused_everywhere(policy, db_container):
    with Session(db_container.engine) as s:
        s.execute(update(Contact).where(Contact.id == "con-002").values(frozen_at=Contact.created_at))
        s.commit()
    for actor in (Actor("customer", "con-002", "web"), Actor("rep", "rep-002"), Actor("admin", "root")):
        d = policy.decide(actor, contact_id="con-002", purpose="service", categories=["contact_details"])
        assert not d.allowed and "frozen" in d.reason
    assert not policy.can_contact("con-002", "wecom", "service").allowed
    assert not policy.case_learning_allowed("con-002")
    assert not policy.profiling("con-002").allowed


def test_decisions_are_audited_or_traced(policy, db_container):
    before = len(db_container.audit.entries())
    policy.decide(Actor("rep", "rep-001"), contact_id="con-002", purpose="service", categories=["contact_details"])
    entries = db_container.audit.entries()[before:]
    assert [e.action for e in entries] == ["policy.decide"]
    assert entries[0].actor == "rep:rep-001" and entries[0].subject == "contact:con-002"
    assert entries[0].detail["allowed"] is False
    with trace_decisions() as trace:
        policy.decide(Actor("rep", "rep-001"), contact_id="con-001", purpose="service",
                      categories=["contact_details"])
    assert len(db_container.audit.entries()) == before + 1  # traced, not audited: the caller audits once
    assert trace[0]["allowed"] is True and trace[0]["contact"] == "con-001"
    assert db_container.audit.verify() is None


def test_role_level_tool_refusals(policy):
    assert not policy.may_call(Actor("customer", "con-001"), tool="search_accounts", purpose="sales_followup").allowed
    assert policy.may_call(Actor("rep", "rep-001"), tool="search_accounts", purpose="sales_followup").allowed
    assert not policy.may_call(Actor("customer", "con-001"), tool="share", purpose="third_party").allowed
    assert not policy.may_call(Actor("rep", "rep-001"), tool="x", purpose="bogus").allowed
    assert not policy.may_call(Actor("rep", "rep-001"), tool="x", purpose="service", roles=["admin"]).allowed
    assert policy.may_call(Actor("customer", "con-001"), tool="search_knowledge", purpose="service").allowed
