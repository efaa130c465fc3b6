"""Data-subject requests over HTTP: open (an erasure freezes the contact at once), list (with the
overdue ones), run (export document or erasure receipt). Admins do everything; a customer may open
and read requests about themselves."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, Field

from channels.request_bodies import STRICT
from channels.web.auth import requires
from channels.web.consent_api import CONTACT_ID, ERRORS
from guardrails.access import Principal, TokenStore
from guardrails.dsr import DsrError, DsrService, DsrView


class DsrIn(BaseModel):
    model_config = STRICT
    kind: Literal["export", "erase"]
    contact_id: str = Field(..., pattern=CONTACT_ID)
    source: str = Field("api", max_length=32, description="How the request reached us: api, email, phone, ...")


class DsrOut(BaseModel):
    id: str
    kind: str
    contact_id: str
    status: str = Field(description="erase: frozen → proven (or erased with traces left); export: received → "
                                    "completed; failed")
    source: str
    requested_by: str
    conversation_id: str | None
    received_at: str
    due: dict[str, str | None] = Field(description="freeze (2 h), erase (24 h), proof (72 h) after receipt")
    done: dict[str, str | None]
    overdue: list[str] = Field(description="Steps past their due time.")
    receipt: dict[str, Any] = Field(description="Erasure: what was removed per store, with sha256 digests, and "
                                                "the residue found by the independent re-scan (0 = proven).")
    receipt_hash: str
    note: str


def _out(v: DsrView) -> DsrOut:
    return DsrOut(**v.as_dict())


def dsr_router(dsr: DsrService, tokens: TokenStore) -> APIRouter:
    router = APIRouter(prefix="/v1/dsr", tags=["data-subject requests"])
    admin = requires(tokens, "admin")
    admin_or_customer = requires(tokens, "admin", "customer")
    RequestId = Path(..., pattern=r"^dsr-[0-9a-f]{12}$")

    def own(who: Principal, contact_id: str, missing: str = "no such request") -> None:
        """A customer's requests are their own; someone else's look like nothing at all (404, not 403)."""
        if who.role == "customer" and who.subject != contact_id:
            raise HTTPException(404, missing)

    @router.post("", response_model=DsrOut, status_code=201, responses=ERRORS)
    def open_request(body: DsrIn, who: Principal = Depends(admin_or_customer)) -> DsrOut:
        """Open an export or erasure request. An erasure freezes the contact immediately."""
        own(who, body.contact_id, missing=f"no contact {body.contact_id!r}")  # what an unknown id gets too
        try:
            view = dsr.open(kind=body.kind, contact_id=body.contact_id, source=body.source,
                            requested_by=f"{who.role}:{who.subject}")
        except DsrError as exc:
            raise HTTPException(404 if "no contact" in str(exc) else 409, str(exc)) from None
        return _out(view)

    @router.get("", response_model=list[DsrOut], responses=ERRORS)
    def list_requests(overdue: bool = False, contact_id: str | None = None,
                      _: Principal = Depends(admin)) -> list[DsrOut]:
        """All requests, or only those with a step past its due time."""
        return [_out(v) for v in dsr.list(overdue=overdue, contact_id=contact_id)]

    @router.get("/{request_id}", response_model=DsrOut, responses=ERRORS)
    def get_request(request_id: str = RequestId, who: Principal = Depends(admin_or_customer)) -> DsrOut:
        view = dsr.get(request_id)
        if view is None:
            raise HTTPException(404, "no such request")
        own(who, view.contact_id)
        return _out(view)

    @router.post("/{request_id}/run", responses=ERRORS)
    def run_request(request_id: str = RequestId, who: Principal = Depends(admin)) -> dict[str, Any]:
        """Carry the request out. Export: returns the JSON document (kept nowhere; its hash is recorded).
        Erase: purges every store and returns the request with its receipt."""
        view = dsr.get(request_id)
        if view is None:
            raise HTTPException(404, "no such request")
        try:
            if view.kind == "export":
                return dsr.export(request_id, actor=f"admin:{who.subject}")
            return _out(dsr.erase(request_id, actor=f"admin:{who.subject}")).model_dump()
        except DsrError as exc:
            raise HTTPException(409, str(exc)) from None

    return router
