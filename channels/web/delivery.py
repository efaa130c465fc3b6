"""The web chat's channel adapter: delivering makes a message visible in the conversation's history,
which the chat page polls while a reply is pending. Idempotent: the outbox key is stored with the
message (an update) or is its channel message id (a new message, unique per conversation)."""

from __future__ import annotations

from agent.conversations import ConversationStore, DuplicateMessage
from channels.outbox import OutboundMessage, PermanentDeliveryError, Receipt


class WebChatAdapter:
    channel = "web"

    def __init__(self, conversations: ConversationStore):
        self.conversations = conversations

    def deliver(self, message: OutboundMessage) -> Receipt:
        p = message.payload
        cid = str(p.get("conversation_id") or message.recipient)
        if self.conversations.get(cid) is None:
            raise PermanentDeliveryError(f"no conversation {cid!r}")
        text = str(p.get("text") or "")
        if not text.strip():
            raise PermanentDeliveryError("nothing to deliver: empty text")
        if p.get("message_id"):
            receipt = self._replace_held(message, cid, int(p["message_id"]), text)
        else:
            receipt = self._append(message, cid, text)
        if p.get("handoff"):
            self.conversations.update(cid, status="handoff")
        return receipt

    def _replace_held(self, message: OutboundMessage, cid: str, message_id: int, text: str) -> Receipt:
        held = self.conversations.get_message(message_id)
        if held is None or held.conversation_id != cid:
            raise PermanentDeliveryError(f"message {message_id} is not in conversation {cid!r}")
        if held.meta.get("delivery_key") == message.key:
            return Receipt(f"web:{message_id}", duplicate=True)
        meta = {**held.meta, "delivery_key": message.key, "delivered_kind": message.kind}
        self.conversations.set_message(message_id, text=text, status="sent", meta=meta,
                                       citations=list(message.payload.get("citations") or []))
        return Receipt(f"web:{message_id}")

    def _append(self, message: OutboundMessage, cid: str, text: str) -> Receipt:
        try:
            stored = self.conversations.add_message(cid, "assistant", text, channel_message_id=f"outbox:{message.key}",
                                                    citations=list(message.payload.get("citations") or []),
                                                    meta={"delivery_key": message.key})
        except DuplicateMessage:
            return Receipt(f"web:outbox:{message.key}", duplicate=True)
        return Receipt(f"web:{stored.id}")
