"""Asking for consent: bilingual notices versioned by hash, offers answered once, provenance kept."""

from __future__ import annotations

import hashlib
import re

import pytest

from guardrails.consent import OfferError
from guardrails.consent.notices import render_notice, wording_version


def test_notices_exist_in_both_languages_and_fill_every_placeholder():
    args = dict(company="Lumen", purpose="marketing", categories=["contact_details", "company_profile"],
                channels=["email", "wecom"])
    en, zh = render_notice(language="en", **args), render_notice(language="zh", **args)
    assert "{" not in en.text and "{" not in zh.text
    assert "news and offers" in en.text and "email" in en.text and "withdraw" in en.text
    assert "营销" not in en.text and "资讯和优惠" in zh.text and "企业微信" in zh.text and "撤回授权" in zh.text
    assert en.hash == hashlib.sha256(en.text.encode()).hexdigest() and en.hash != zh.hash
    assert en.version == wording_version("en") != zh.version
    other = render_notice(language="en", **(args | {"purpose": "profiling"}))
    assert other.hash != en.hash and other.version == en.version  # same wording, different text


def test_bad_notice_requests_are_refused():
    with pytest.raises(ValueError):
        render_notice(company="X", purpose="spying", categories=["contact_details"], channels=["email"])
    with pytest.raises(ValueError):
        render_notice(company="X", purpose="marketing", categories=[], channels=["email"])


def test_accepting_an_offer_records_a_grant_with_its_provenance(db_container):
    offers, ledger = db_container.consent_offers, db_container.consents
    offer = offers.offer(conversation_id="c-9", contact_id="con-001", purpose="marketing",
                         data_categories=["contact_details"], channels=["email"], language="zh")
    assert re.search(r"[\u4e00-\u9fff]", offer.notice.text)
    assert ledger.notice(offer.notice.hash).text == offer.notice.text  # the exact words are kept
    with pytest.raises(OfferError, match="no such"):
        offers.answer(offer.id, conversation_id="another-conversation", accept=True)
    answer = offers.answer(offer.id, conversation_id="c-9", accept=True)
    g = answer.grant
    assert answer.accepted and g.purpose == "marketing" and g.channels == ("email",)
    assert g.source == "web_chat" and g.given_in == "conversation:c-9" and g.recorded_by == "customer:con-001"
    assert g.notice_hash == offer.notice.hash and g.notice_version == offer.notice.version
    assert db_container.policy.can_contact("con-001", "email", "marketing").allowed
    with pytest.raises(OfferError, match="already answered"):
        offers.answer(offer.id, conversation_id="c-9", accept=False)
    assert db_container.audit.verify() is None


def test_declining_records_nothing_but_the_answer(db_container):
    offers = db_container.consent_offers
    offer = offers.offer(conversation_id="c-8", contact_id="con-001", purpose="marketing",
                         data_categories=["contact_details"], channels=["sms"])
    before = db_container.consents.history("con-001")
    assert offers.answer(offer.id, conversation_id="c-8", accept=False).grant is None
    assert db_container.consents.history("con-001") == before
    assert db_container.audit.entries(action="consent.decline")[-1].subject == "contact:con-001"


def test_expired_offers_cannot_be_accepted(db_container):
    from sqlalchemy import update

    from guardrails.consent.models import ConsentOffer
    from tools.sqlbase import utcnow

    offer = db_container.consent_offers.offer(conversation_id="c-7", contact_id="con-001", purpose="marketing",
                                              data_categories=["contact_details"], channels=["email"])
    with db_container.engine.begin() as conn:
        conn.execute(update(ConsentOffer).where(ConsentOffer.id == offer.id).values(expires_at=utcnow()))
    with pytest.raises(OfferError, match="expired"):
        db_container.consent_offers.answer(offer.id, conversation_id="c-7", accept=True)
