"""Consent API: a contact's grants with provenance, recording and revoking grants, the notice text,
and the web chat's ask-and-answer flow. Documented in OpenAPI; protected by role tokens, and by the
same attribute rules as the agent's tools (a rep sees only contacts in their accounts and territories).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from pydantic import BaseModel, Field

from agent.conversations import ConversationStore
from channels.request_bodies import STRICT
from channels.web.access import KEY_HEADER, WebAccess
from channels.web.auth import requires
from channels.web.schemas import CONVERSATION_ID, ErrorOut
from guardrails.access import Principal, TokenStore
from guardrails.consent import ConsentError, ConsentLedger, ConsentOffers, ConsentPolicy, OfferError
from guardrails.consent.notices import render_notice
from tools.policy import CHANNELS, DATA_CATEGORIES, PURPOSES, Actor

Purpose = Literal[PURPOSES]  # type: ignore[valid-type]
Category = Literal[DATA_CATEGORIES]  # type: ignore[valid-type]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
CONTACT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut},
          422: {"model": ErrorOut}}


class GrantOut(BaseModel):
    id: int
    contact_id: str
    purpose: str
    data_categories: list[str]
    channels: list[str]
    status: str = Field(description="active | revoked | expired | pending")
    granted_at: str
    expires_at: str | None
    source: str = Field(description="Where consent was given: contract, web_form, web_chat, wecom_chat, ...")
    given_in: str = Field(description="e.g. conversation:<id>, import:tenant.json")
    notice_version: str
    notice_hash: str = Field(description="sha256 of the exact notice text shown (see GET /v1/consent/notices/{hash})")
    recorded_by: str
    recorded_at: str
    replaces_id: int | None
    revoked_at: str | None
    revoked_by: str
    revoke_reason: str


class ConsentsOut(BaseModel):
    contact_id: str
    grants: list[GrantOut] = Field(description="Full history, oldest first; revoked grants stay visible.")


class GrantIn(BaseModel):
    model_config = STRICT
    purpose: Purpose
    data_categories: list[Category] = Field(..., min_length=1)
    channels: list[Channel] = Field(..., min_length=1)
    source: str = Field(..., min_length=1, max_length=64, examples=["phone_call"])
    given_in: str = Field("", max_length=160)
    notice_hash: str = Field("", max_length=64, description="Hash of a notice the contact was shown, if any.")
    expires_at: datetime | None = None


class RevokeIn(BaseModel):
    model_config = STRICT
    purpose: Purpose | None = Field(None, description="Omit to revoke every purpose.")
    channels: list[Channel] | None = Field(None, description="Omit to revoke on every channel.")
    reason: str = Field("", max_length=200)


class RevokedOut(BaseModel):
    revoked: list[GrantOut]


class NoticeOut(BaseModel):
    text: str
    language: str
    version: str = Field(description="Version of the wording (template and labels).")
    hash: str = Field(description="sha256 of this exact text.")


class OfferIn(BaseModel):
    model_config = STRICT
    purpose: Purpose
    data_categories: list[Category] = Field(..., min_length=1)
    channels: list[Channel] = Field(..., min_length=1)
    language: Literal["en", "zh"] | None = None


class OfferOut(BaseModel):
    offer_id: str
    notice: NoticeOut
    expires_at: datetime


class AnswerIn(BaseModel):
    model_config = STRICT
    accept: bool


class AnswerOut(BaseModel):
    accepted: bool
    grant: GrantOut | None


def actor_of(who: Principal) -> Actor:
    return Actor(who.role, who.subject, "web")


def consent_router(*, policy: ConsentPolicy, ledger: ConsentLedger, offers: ConsentOffers, tokens: TokenStore,
                   conversations: ConversationStore, access: WebAccess) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["consent"])
    anyone_signed_in = requires(tokens, "customer", "rep", "reviewer", "admin")
    may_change = requires(tokens, "customer", "rep", "admin")
    staff = requires(tokens, "rep", "admin")
    ContactId = Path(..., pattern=CONTACT_ID)

    def in_scope(who: Principal, contact_id: str) -> None:
        decision = policy.may_view(actor_of(who), contact_id)
        if not decision.allowed:
            # the same answer for "not yours" and "does not exist": ids are not a way to probe
            raise HTTPException(404, f"no contact {contact_id!r} you may see")

    @router.get("/contacts/{contact_id}/consents", response_model=ConsentsOut, responses=ERRORS)
    def list_consents(contact_id: str = ContactId, who: Principal = Depends(anyone_signed_in)) -> ConsentsOut:
        """Every consent the contact gave, with provenance and status (revoked and expired ones included)."""
        in_scope(who, contact_id)
        return ConsentsOut(contact_id=contact_id, grants=[GrantOut(**g.as_dict()) for g in ledger.history(contact_id)])

    @router.post("/contacts/{contact_id}/consents", response_model=GrantOut, status_code=201, responses=ERRORS)
    def record_grant(body: GrantIn, contact_id: str = ContactId, who: Principal = Depends(may_change)) -> GrantOut:
        """Record a consent the contact gave (e.g. on a call); who recorded it is kept as provenance."""
        in_scope(who, contact_id)
        try:
            grant = ledger.grant(contact_id, body.purpose, body.data_categories, body.channels, source=body.source,
                                 recorded_by=f"{who.role}:{who.subject}", given_in=body.given_in,
                                 notice_hash=body.notice_hash, expires_at=_naive(body.expires_at))
        except ConsentError as exc:
            raise HTTPException(422, str(exc)) from None
        return GrantOut(**grant.as_dict())

    @router.post("/contacts/{contact_id}/consents/revoke", response_model=RevokedOut, responses=ERRORS)
    def revoke(body: RevokeIn, contact_id: str = ContactId, who: Principal = Depends(may_change)) -> RevokedOut:
        """Revoke consents (one purpose or all, some channels or all). Takes effect immediately; revoked
        grants stay in the history."""
        in_scope(who, contact_id)
        revoked = ledger.revoke(contact_id, body.purpose, body.channels, by=f"{who.role}:{who.subject}",
                                reason=body.reason, source="api")
        return RevokedOut(revoked=[GrantOut(**g.as_dict()) for g in revoked])

    @router.get("/consent/notice", response_model=NoticeOut, responses=ERRORS)
    def notice(purpose: Purpose, data_categories: list[Category] = Query(..., min_length=1),  # noqa: B008
               channels: list[Channel] = Query(..., min_length=1),  # noqa: B008
               language: Literal["en", "zh"] = "en") -> NoticeOut:
        """The notice text for a request, in English or Chinese, with its version and hash."""
        n = render_notice(company=offers.company, purpose=purpose, categories=data_categories, channels=channels,
                          language=language)
        return NoticeOut(text=n.text, language=n.language, version=n.version, hash=n.hash)

    @router.get("/consent/notices/{notice_hash}", response_model=NoticeOut, responses=ERRORS)
    def shown_notice(notice_hash: str = Path(..., pattern=r"^[0-9a-f]{64}$")) -> NoticeOut:
        """The exact text of a notice that was shown to someone, by its hash."""
        n = ledger.notice(notice_hash)
        if n is None:
            raise HTTPException(404, "no notice with that hash was ever shown")
        return NoticeOut(text=n.text, language=n.language, version=n.template_version, hash=n.hash)

    @router.post("/conversations/{conversation_id}/consent-offers", response_model=OfferOut, status_code=201,
                 responses=ERRORS)
    def make_offer(body: OfferIn, conversation_id: str = Path(..., pattern=CONVERSATION_ID),
                   _: Principal = Depends(staff)) -> OfferOut:
        """Ask the customer in this conversation for a consent (staff; the agent asks with its
        `ask_for_consent` tool): returns the notice to show, in their language, and the offer id their
        answer must quote."""
        convo = conversations.get(conversation_id)
        if convo is None or not convo.contact_id:
            raise HTTPException(404, "no known customer in this conversation to ask")
        language = body.language or ("zh" if convo.language == "zh" else "en")
        o = offers.offer(conversation_id=conversation_id, contact_id=convo.contact_id, purpose=body.purpose,
                         data_categories=body.data_categories, channels=body.channels, language=language)
        n = o.notice
        return OfferOut(offer_id=o.id, expires_at=o.expires_at,
                        notice=NoticeOut(text=n.text, language=n.language, version=n.version, hash=n.hash))

    @router.get("/conversations/{conversation_id}/consent-offers", response_model=list[OfferOut], responses=ERRORS)
    def pending_offers(conversation_id: str = Path(..., pattern=CONVERSATION_ID),
                       key: str | None = Header(None, alias=KEY_HEADER)) -> list[OfferOut]:
        """Consent requests in this conversation still waiting for the customer's answer (the agent can
        ask with its `ask_for_consent` tool); a chat client shows each notice with accept / decline. Only
        the customer's own chat client may list or answer them (its conversation key)."""
        access.open(conversation_id, key, may_start=False)
        return [OfferOut(offer_id=o.id, expires_at=o.expires_at,
                         notice=NoticeOut(text=o.notice.text, language=o.notice.language, version=o.notice.version,
                                          hash=o.notice.hash))
                for o in offers.pending(conversation_id)]

    @router.post("/conversations/{conversation_id}/consent-offers/{offer_id}", response_model=AnswerOut,
                 responses=ERRORS)
    def answer_offer(body: AnswerIn, conversation_id: str = Path(..., pattern=CONVERSATION_ID),
                     offer_id: str = Path(..., max_length=64),
                     key: str | None = Header(None, alias=KEY_HEADER)) -> AnswerOut:
        """The customer's answer ("I agree" / "No thanks"). An acceptance is recorded with its provenance:
        this conversation, the notice text's hash, the customer as the one who gave it."""
        convo = access.open(conversation_id, key, may_start=False)
        try:
            result = offers.answer(offer_id, conversation_id=conversation_id, accept=body.accept,
                                   source=f"{convo.channel if convo else 'web'}_chat")
        except OfferError as exc:
            raise HTTPException(404 if "no such" in str(exc) else 409, str(exc)) from None
        return AnswerOut(accepted=result.accepted, grant=GrantOut(**result.grant.as_dict()) if result.grant else None)

    return router


def _naive(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is None:
        return at
    from datetime import UTC

    return at.astimezone(UTC).replace(tzinfo=None)
