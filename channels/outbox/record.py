"""After a channel has sent a reviewed reply, the conversation's stored message says what was sent.

The web adapter does this as its delivery; Slack and WeCom send first, then record it here, so the
history (and the agent's next turn) match what the customer saw on every channel.
"""

from __future__ import annotations

from agent.conversations import ConversationStore
from channels.outbox.message import OutboundMessage


def record_sent(conversations: ConversationStore, message: OutboundMessage, channel_message_id: str) -> None:
    message_id = message.payload.get("message_id")
    if not message_id:
        return
    held = conversations.get_message(int(message_id))
    if held is None or held.meta.get("delivery_key") == message.key:
        return
    status = "sent" if message.kind == "reply" else held.status
    text = str(message.payload.get("text") or held.text)
    conversations.set_message(held.id, text=text, status=status,
                              citations=list(message.payload.get("citations") or []),
                              meta={**held.meta, "delivery_key": message.key, "delivered_kind": message.kind,
                                    "channel_message_id": channel_message_id})
