"""Request and response bodies of the web chat API (they are the OpenAPI documentation too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from channels.request_bodies import STRICT

CONVERSATION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


class PostMessage(BaseModel):
    model_config = STRICT
    text: str = Field(..., description="What the customer typed.", examples=["How much is the Pro edition?"])
    visitor_id: str | None = Field(None, max_length=128, description="Stable id of the web visitor, if known.")
    visitor_hash: str | None = Field(None, max_length=128, description="Hex HMAC-SHA256 of visitor_id under the "
                                     "site's identity secret: without it the visitor is anonymous.")
    client_message_id: str | None = Field(None, max_length=128, description="Idempotency key: a retry with the "
                                          "same id is not processed twice.")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text must not be empty")
        return v


class CitationOut(BaseModel):
    chunk_id: str
    source: str = Field(description="Path of the source document, relative to the ingested folder.")
    heading: str = Field(description="Heading path inside the document.")
    quote: str = Field(description="The span of the source the answer relied on.")


class ReplyOut(BaseModel):
    conversation_id: str
    message_id: int
    text: str
    status: str = Field(description="sent | pending_review (a person checks it first) | handoff")
    citations: list[CitationOut] = []
    reasons: list[str] = []
    language: str
    conversation_key: str = Field(description="Send it as X-Conversation-Key with every later request about "
                                  "this conversation.")


class MessageOut(BaseModel):
    id: int
    role: str
    text: str
    status: str
    citations: list[CitationOut] = []
    created_at: datetime | None


class HistoryOut(BaseModel):
    conversation_id: str
    status: str
    messages: list[MessageOut]


class ErrorOut(BaseModel):
    error: dict[str, Any]
