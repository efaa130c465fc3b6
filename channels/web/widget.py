"""The embeddable chat widget: `GET /widget.js`, the consent notice it shows, and where the
customer's Agree/Decline goes (recorded by an injected callable: the consent ledger owns it)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from channels.request_bodies import STRICT
from channels.web.access import KEY_HEADER, WebAccess
from channels.web.schemas import CONVERSATION_ID

WIDGET_JS = Path(__file__).parent / "static" / "widget.js"

NOTICES = {
    "en": "To answer you, we process the messages you send here (purpose: service). We keep them to follow up "
          "on your request and never sell them. You can ask for a copy or erasure at any time.",
    "zh": "为了回答您的问题，我们会处理您在此发送的消息（用途：客户服务）。我们保存这些消息以跟进您的请求，绝不出售。"
          "您可以随时要求获取副本或删除。",
}


def notice_version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ConsentIn(BaseModel):
    model_config = STRICT
    conversation_id: str = Field(..., pattern=CONVERSATION_ID)
    decision: Literal["granted", "declined"]
    language: Literal["en", "zh"]
    notice_version: str = Field(..., min_length=16, max_length=16)
    visitor_id: str | None = Field(None, max_length=128)
    visitor_hash: str | None = Field(None, max_length=128)


def widget_router(record_consent: Callable[[dict[str, Any]], Mapping[str, Any]], access: WebAccess) -> APIRouter:
    router = APIRouter(tags=["web widget"])
    script = WIDGET_JS.read_bytes()
    etag = '"' + hashlib.sha256(script).hexdigest()[:16] + '"'

    @router.get("/widget.js", include_in_schema=False)
    def widget_js() -> Response:
        """The script a site embeds: <script src="https://…/widget.js" data-title="…" async></script>."""
        return Response(script, media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300", "ETag": etag,
                                 "X-Content-Type-Options": "nosniff"})

    @router.get("/v1/widget/notice")
    def notice(lang: Literal["en", "zh"] = Query("en")) -> dict[str, str]:
        """The consent notice in the customer's language, with the version its answer refers to."""
        return {"language": lang, "text": NOTICES[lang], "version": notice_version(NOTICES[lang]), "purpose": "service"}

    @router.post("/v1/widget/consent", status_code=201)
    def consent(body: ConsentIn, key: str | None = Header(None, alias=KEY_HEADER)) -> JSONResponse:
        """Record the customer's answer to the notice (which text, in which language, when, where). Usually
        the first request of a conversation: the answer carries the key later requests must send."""
        if body.notice_version != notice_version(NOTICES[body.language]):
            raise HTTPException(409, "the notice changed; show the current one and ask again")
        access.open(body.conversation_id, key, may_start=True)
        record = {**body.model_dump(exclude={"visitor_hash"}), "visitor_id": access.visitor(body.visitor_id,
                                                                                              body.visitor_hash),
                  "purpose": "service", "channel": "web", "notice_text": NOTICES[body.language]}
        conversation_key = access.key_for(body.conversation_id)
        return JSONResponse({"decision": body.decision, **dict(record_consent(record)),
                             "conversation_key": conversation_key}, status_code=201,
                            headers={KEY_HEADER: conversation_key})

    return router
