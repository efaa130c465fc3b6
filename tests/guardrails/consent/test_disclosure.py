"""Replies to a customer must not carry another contact's details, in whatever format they are written."""

from __future__ import annotations

import pytest


@pytest.fixture
def directory(db_container):
    from guardrails.consent import ContactDirectory

    return ContactDirectory(db_container.engine)


@pytest.mark.parametrize("text,field", [
    ("You can reach Wang Lei at +86 138 5712 4406.", "phone"),
    ("His mobile is 138-5712-4406", "phone"),
    ("call 13857124406", "phone"),
    ("write to wang.lei@yunfan-logistics.example.cn", "email"),
    ("WRITE TO WANG.LEI@YUNFAN-LOGISTICS.EXAMPLE.CN", "email"),
    ("加微信 wanglei_yf88 联系", "wechat_id"),
    ("请联系王磊先生", "name"),
])
def test_another_contacts_values_are_found(directory, text, field):
    found = directory.foreign(text, "con-001")
    assert [(f.contact_id, f.field) for f in found] == [("con-002", field)]


def test_own_values_and_ordinary_text_are_not_flagged(directory):
    assert directory.foreign("Your number on file is +1 617 555 0142, Sarah Lindqvist.", "con-001") == []
    assert directory.foreign("Pro costs $49 per user per month; order 13857124 shipped.", "con-001") == []
    # an anonymous visitor has no values of their own
    assert [f.field for f in directory.foreign("+1 617 555 0142", None)] == ["phone"]


def test_desk_withholds_and_audits_only_customer_replies(db_container):
    desk = db_container.consent_desk
    text = "Sarah Lindqvist's email is sarah.lindqvist@northwind-robotics.example.com"
    assert desk.reply_reasons(text, contact_id="con-002", persona="rep") == []
    reasons = desk.reply_reasons(text, contact_id="con-002", persona="customer", conversation_id="c-1")
    assert reasons == ["other_person_data: email of contact con-001", "other_person_data: name of contact con-001"]
    entry = db_container.audit.entries(action="reply.withheld")[-1]
    assert entry.subject == "conversation:c-1" and "sarah" not in str(entry.detail).lower()
