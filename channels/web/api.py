"""Web chat API: post a message (JSON or SSE stream), read the history. Also documented in OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Header, HTTPException, Path, Request
from fastapi.responses import Response, StreamingResponse

from agent.conversations import ConversationStore, DuplicateMessage
from agent.runner import HOLDING, Runner
from agent.turns import TURN_WAIT_S, ConversationBusy  # how long a message waits for a reply in progress
from agent.types import Inbound
from channels.web.access import KEY_HEADER, WebAccess
from channels.web.schemas import CONVERSATION_ID, ErrorOut, HistoryOut, MessageOut, PostMessage, ReplyOut

ERRORS = {404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 413: {"model": ErrorOut},
          415: {"model": ErrorOut}, 422: {"model": ErrorOut}}
ConversationId = Path(..., pattern=CONVERSATION_ID, description="Chosen by the client; created on first message.")
ConversationKey = Header(None, alias=KEY_HEADER, description="The key the first reply gave (channels/web/access.py).")
# One turn at a time per conversation is the runner's lease (agent.turns), shared by every process and
# channel: a message waits here for a reply being written by any of them.
BUSY = "a reply is still being written in this conversation; send again when it is done"


def require_json(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HTTPException(415, f"send JSON with content-type application/json (got {ctype or 'none'!r})")


def web_chat_router(runner: Runner, conversations: ConversationStore, access: WebAccess, max_chars: int,
                    turn_wait_s: float | None = None) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["web chat"])
    wait_s = TURN_WAIT_S if turn_wait_s is None else turn_wait_s

    def inbound(conversation_id: str, key: str | None, body: PostMessage) -> Inbound:
        if len(body.text) > max_chars:
            raise HTTPException(413, f"message is {len(body.text)} characters; the limit is {max_chars}")
        access.open(conversation_id, key, may_start=True)
        return Inbound(conversation_id=conversation_id, text=body.text, channel="web", persona="customer",
                       channel_user_id=access.visitor(body.visitor_id, body.visitor_hash),
                       channel_message_id=body.client_message_id)

    @router.post("/conversations/{conversation_id}/messages", response_model=ReplyOut, responses=ERRORS)
    def post_message(request: Request, response: Response, body: PostMessage, conversation_id: str = ConversationId,
                     key: str | None = ConversationKey) -> ReplyOut:
        """Send a customer message and get the reply (or a holding reply when a person must check it). The
        first message starts the conversation; its reply carries the key every later request must send.

        One turn at a time per conversation: while a reply is being written (here or by POST …/stream), a
        second message waits for it and is then answered with it as context. After waiting two minutes it
        gets 409 "a reply is still being written"."""
        require_json(request)
        msg = inbound(conversation_id, key, body)
        try:
            reply = runner.handle(msg, wait_s=wait_s)
        except ConversationBusy:
            raise HTTPException(409, BUSY) from None
        except DuplicateMessage:
            raise HTTPException(409, "this client_message_id was already received") from None
        response.headers[KEY_HEADER] = access.key_for(conversation_id)
        return ReplyOut(**reply.__dict__, conversation_key=access.key_for(conversation_id))

    @router.post("/conversations/{conversation_id}/stream", responses=ERRORS,
                 response_class=StreamingResponse)
    def stream_message(request: Request, body: PostMessage, conversation_id: str = ConversationId,  # noqa: ANN201
                       key: str | None = ConversationKey):
        """Like POST …/messages, but the reply streams as server-sent events: `delta` events with text,
        then one `reply` event with the final text, status, citations and the conversation key.

        One turn at a time per conversation, as for POST …/messages: a second message waits for the reply
        being written before its own stream starts, or gets 409 "a reply is still being written" after two
        minutes."""
        require_json(request)
        msg = inbound(conversation_id, key, body)
        conversation_key = access.key_for(conversation_id)

        def events() -> Iterator[str]:
            with runner.turns.hold(conversation_id, wait_s) as lease:
                yield ""  # the turn is ours: taken below, before the response starts (else 409)
                try:
                    for event in runner.stream(msg, lease=lease):
                        if event["type"] == "reply":
                            event = {**event, "conversation_key": conversation_key}
                        yield f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
                except DuplicateMessage:
                    yield "event: error\ndata: {\"error\": \"duplicate client_message_id\"}\n\n"

        stream = events()
        try:
            next(stream)  # waits for the turn; once started, closing the stream (done, or the client gone) ends it
        except ConversationBusy:
            raise HTTPException(409, BUSY) from None
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no",
                                          KEY_HEADER: conversation_key})

    @router.get("/conversations/{conversation_id}/messages", response_model=HistoryOut, responses=ERRORS)
    def history(conversation_id: str = ConversationId, key: str | None = ConversationKey) -> HistoryOut:
        """Every message of the conversation as the customer saw it."""
        convo = access.open(conversation_id, key, may_start=False)
        lang = "zh" if convo.language == "zh" else "en"
        out = []
        for m in conversations.messages(conversation_id):
            if m.status == "resolved":  # a "please wait" placeholder that the real answer replaced
                continue
            held = m.status == "pending_review"
            out.append(MessageOut(id=m.id, role=m.role, text=HOLDING[lang] if held else m.text, status=m.status,
                                  citations=[] if held else m.citations, created_at=m.created_at))
        return HistoryOut(conversation_id=conversation_id, status=convo.status, messages=out)

    return router
