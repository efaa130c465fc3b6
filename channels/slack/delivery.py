"""The Slack channel adapter for the outbox: a reviewed reply (or the withdrawal notice) into the
customer's Slack thread, once.

Exactly-once at the channel: a delivery row per review item is written before sending, so a worker that
retries the same outbox message after a crash finds it and sends nothing.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from agent.conversations import ConversationStore
from channels.outbox import DeliveryError, OutboundMessage, PermanentDeliveryError, Receipt
from channels.outbox.record import record_sent
from channels.slack.ids import parse_conversation_id
from channels.slack.store import SlackStore
from channels.slack.text import reply_messages

log = logging.getLogger(__name__)


def _item_id(message: OutboundMessage) -> int:
    kind, _, ident = message.source.partition(":")
    if kind != "review_item" or not ident.isdigit():
        raise PermanentDeliveryError(f"Slack delivers review decisions only, not {message.source!r}")
    return int(ident)


class SlackAdapter:
    channel = "slack"

    def __init__(self, client: WebClient, store: SlackStore, conversations: ConversationStore):
        self.client, self.store, self.conversations = client, store, conversations

    def deliver(self, message: OutboundMessage) -> Receipt:
        item_id = _item_id(message)
        cid = str(message.payload.get("conversation_id") or message.recipient)
        thread = parse_conversation_id(cid)
        if thread is None:
            raise PermanentDeliveryError(f"conversation {cid!r} is not a Slack thread")
        text = str(message.payload.get("text") or "")
        if not text.strip():
            raise PermanentDeliveryError("nothing to deliver: empty text")
        if not self.store.claim_delivery(item_id, thread.channel):
            done = self.store.delivery(item_id) or {}
            record_sent(self.conversations, message, f"slack:{done.get('ts', '')}")  # a crash may have come between
            return Receipt(f"slack:{done.get('ts', '')}", duplicate=True)
        try:
            first_ts = ""
            for msg in reply_messages(text, list(message.payload.get("citations") or [])):
                if thread.user:  # a private conversation inside a shared thread: only its person may see it
                    r = self.client.chat_postEphemeral(channel=thread.channel, user=thread.user,
                                                       thread_ts=thread.thread_ts, **msg)
                    first_ts = first_ts or r["message_ts"]
                    continue
                r = self.client.chat_postMessage(channel=thread.channel, thread_ts=thread.thread_ts,
                                                 unfurl_links=False, unfurl_media=False, **msg)
                first_ts = first_ts or r["ts"]
            self.store.delivered(item_id, first_ts)
        except SlackApiError as exc:
            self.store.release_delivery(item_id)
            raise DeliveryError(f"Slack refused the message: {exc.response.get('error')}") from exc
        except Exception:
            self.store.release_delivery(item_id)
            raise
        record_sent(self.conversations, message, f"slack:{first_ts}")
        return Receipt(f"slack:{first_ts}")
