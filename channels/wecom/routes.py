"""HTTP routes of the WeCom callback: URL verification (GET) and messages/events (POST)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from channels.wecom.callback import CallbackService, Params, Refused

log = logging.getLogger(__name__)


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes the limit (before anything parses it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def callback_router(service: CallbackService) -> APIRouter:
    router = APIRouter(prefix="/wecom", tags=["wecom"])

    def params(msg_signature: str, timestamp: str, nonce: str) -> Params:
        return Params(msg_signature, timestamp, nonce)

    @router.get("/callback", response_class=PlainTextResponse)
    def verify(msg_signature: str = Query(..., max_length=64), timestamp: str = Query(..., max_length=16),
               nonce: str = Query(..., max_length=64), echostr: str = Query(..., max_length=2048)) -> str:
        """URL verification when the callback is saved in the admin console: answer with echostr's plaintext."""
        try:
            return service.verify_url(params(msg_signature, timestamp, nonce), echostr)
        except Refused as exc:
            log.warning("WeCom URL verification refused: %s", exc.reason)
            raise HTTPException(exc.status, exc.reason) from None

    @router.post("/callback", response_class=PlainTextResponse)
    async def receive(request: Request, msg_signature: str = Query(..., max_length=64),
                      timestamp: str = Query(..., max_length=16), nonce: str = Query(..., max_length=64)) -> str:
        """Messages and events. Acknowledged at once with "success"; the reply goes out through the API."""
        body = await read_limited(request, service.max_bytes)
        try:
            await run_in_threadpool(service.accept, params(msg_signature, timestamp, nonce), body)
        except Refused as exc:
            log.warning("WeCom callback refused (%s): %s", exc.status, exc.reason)
            raise HTTPException(exc.status, exc.reason) from None
        return "success"

    return router
