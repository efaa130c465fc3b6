"""Asking for consent in a conversation: put a notice in front of the contact, record their answer.

An offer is bound to one conversation and one contact and can be answered once, before it expires.
The answer is recorded with its provenance: the conversation, the exact notice text (by hash), and the
contact as the one who gave it. Nothing here can be triggered by what the model writes: offers only
create a question; only the contact's own answer (an API call from their client) records a grant.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from guardrails.consent.ledger import ConsentError, ConsentLedger, Grant
from guardrails.consent.models import ConsentNotice, ConsentOffer
from guardrails.consent.notices import Notice, render_notice
from tools.sqlbase import utcnow

OFFER_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class Offer:
    id: str
    conversation_id: str
    contact_id: str
    purpose: str
    data_categories: tuple[str, ...]
    channels: tuple[str, ...]
    notice: Notice
    expires_at: datetime


@dataclass(frozen=True)
class Answer:
    accepted: bool
    grant: Grant | None


class OfferError(ConsentError):
    pass


class ConsentOffers:
    def __init__(self, engine: Engine, ledger: ConsentLedger, *, company: str):
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.ledger = ledger
        self.company = company

    def offer(self, *, conversation_id: str, contact_id: str, purpose: str, data_categories: Sequence[str],
              channels: Sequence[str], language: str = "en", grant_expires_at: datetime | None = None) -> Offer:
        notice = render_notice(company=self.company, purpose=purpose, categories=data_categories,
                               channels=channels, language=language, expires_at=grant_expires_at)
        for pending in self.pending(conversation_id):  # asking again shows the same question, not a new one
            if pending.notice.hash == notice.hash and pending.contact_id == contact_id:
                return pending
        self.ledger.keep_notice(text=notice.text, notice_hash=notice.hash, template=notice.template,
                                template_version=notice.version, language=notice.language)
        offer_id = "off_" + secrets.token_urlsafe(18)
        expires = utcnow() + OFFER_TTL
        with self._sessions() as s:
            s.add(ConsentOffer(id=offer_id, conversation_id=conversation_id, contact_id=contact_id, purpose=purpose,
                               data_categories=list(data_categories), channels=list(channels),
                               language=notice.language, notice_hash=notice.hash, expires_at=expires))
            s.commit()
        if self.ledger.audit is not None:
            self.ledger.audit.append(actor="agent", action="consent.offer", subject=f"contact:{contact_id}",
                                     purpose=purpose, detail={"offer": offer_id[:8], "conversation": conversation_id,
                                                              "categories": list(data_categories),
                                                              "channels": list(channels),
                                                              "notice_hash": notice.hash})
        return Offer(offer_id, conversation_id, contact_id, purpose, tuple(data_categories), tuple(channels), notice,
                     expires)

    def pending(self, conversation_id: str) -> list[Offer]:
        """Offers in this conversation still waiting for an answer."""
        now = utcnow()
        with self._sessions() as s:
            rows = s.scalars(select(ConsentOffer).where(
                ConsentOffer.conversation_id == conversation_id, ConsentOffer.answered_at.is_(None),
                ConsentOffer.expires_at > now).order_by(ConsentOffer.created_at)).all()
            out = []
            for r in rows:
                n = s.get(ConsentNotice, r.notice_hash)
                if n is None:
                    continue
                notice = Notice(n.text, n.language, n.template, n.template_version, n.hash)
                out.append(Offer(r.id, r.conversation_id, r.contact_id, r.purpose, tuple(r.data_categories),
                                 tuple(r.channels), notice, r.expires_at))
            return out

    def answer(self, offer_id: str, *, conversation_id: str, accept: bool, source: str = "web_chat") -> Answer:
        now = utcnow()
        with self._sessions() as s:
            # one atomic claim, so two clicks (or two app processes) cannot both record an answer
            claimed = s.execute(update(ConsentOffer).where(
                ConsentOffer.id == offer_id, ConsentOffer.conversation_id == conversation_id,
                ConsentOffer.answered_at.is_(None), ConsentOffer.expires_at > now,
            ).values(answered_at=now, accepted=accept)).rowcount
            s.commit()
            row = s.get(ConsentOffer, offer_id)
            if row is None or row.conversation_id != conversation_id:
                raise OfferError("no such consent request in this conversation")
            if not claimed:
                raise OfferError("this consent request was already answered" if row.answered_at is not None
                                 else "this consent request has expired; ask again")
            offer = (row.contact_id, row.purpose, list(row.data_categories), list(row.channels), row.notice_hash)
        contact_id, purpose, categories, channels, notice_hash = offer
        if not accept:
            if self.ledger.audit is not None:
                self.ledger.audit.append(actor=f"customer:{contact_id}", action="consent.decline",
                                         subject=f"contact:{contact_id}", purpose=purpose,
                                         detail={"offer": offer_id[:8], "conversation": conversation_id,
                                                 "notice_hash": notice_hash})
            return Answer(False, None)
        notice = self.ledger.notice(notice_hash)
        grant = self.ledger.grant(contact_id, purpose, categories, channels, source=source,
                                  recorded_by=f"customer:{contact_id}", given_in=f"conversation:{conversation_id}",
                                  notice_version=notice.template_version if notice else "", notice_hash=notice_hash)
        with self._sessions() as s:
            row = s.get(ConsentOffer, offer_id)
            row.grant_id = grant.id
            s.commit()
        return Answer(True, grant)
