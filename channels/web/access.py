"""Who may use a web chat conversation, and who a web visitor is.

Web chat has no sign-in, so a conversation belongs to the browser that started it: the server gives that
browser a key (an HMAC of the conversation id under a server secret, so nothing is stored) and every later
request about the conversation must show it in `X-Conversation-Key`. A wrong or missing key gets the same
404 as an unknown id: ids are not a way to probe. Only web conversations with a customer are reachable
here at all; a rep's Slack or WeCom thread answers 404 whatever is sent, and ids in those channels'
namespaces cannot be started from the web (else someone could claim a thread's id before the rep uses it).

A visitor id links the conversation to a CRM contact only when the embedding site vouches for it:
`visitor_hash` is the hex HMAC-SHA256 of the id under the identity secret shared with the site's backend
(the pattern of Intercom's identity verification). Without it the visitor is anonymous: an id typed into
a request body proves nothing, and a contact's data, consents and data-rights requests are theirs alone.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException

from agent.conversations import Conversation, ConversationStore

KEY_HEADER = "X-Conversation-Key"
# the ids the other channels build (channels/slack/ids.py PREFIX, channels/wecom/handler.conversation_id)
OTHER_CHANNELS = ("slack:", "wecom-")
NOT_FOUND = "no conversation with this id and key"


class WebAccess:
    def __init__(self, conversations: ConversationStore, secret: bytes, identity_secret: bytes = b""):
        if not secret:
            raise ValueError("web chat needs a secret for conversation keys")
        self._conversations = conversations
        self._secret = secret
        self._identity = identity_secret

    def key_for(self, conversation_id: str) -> str:
        return hmac.new(self._secret, f"web-conversation:{conversation_id}".encode(), hashlib.sha256).hexdigest()[:40]

    def open(self, conversation_id: str, key: str | None, *, may_start: bool) -> Conversation | None:
        """The conversation when `key` opens it, None when it does not exist yet and the caller may start it
        (`may_start`: posting a message or a consent answer); otherwise 404."""
        convo = self._conversations.get(conversation_id)
        if convo is None:
            if may_start and not conversation_id.startswith(OTHER_CHANNELS):
                return None
            raise HTTPException(404, NOT_FOUND)
        if convo.channel != "web" or convo.persona != "customer" or not key \
                or not hmac.compare_digest(key.encode(), self.key_for(conversation_id).encode()):
            raise HTTPException(404, NOT_FOUND)
        return convo

    def visitor(self, visitor_id: str | None, visitor_hash: str | None) -> str:
        """The visitor id when the site vouched for it, else "" (an anonymous visitor)."""
        if not (visitor_id and visitor_hash and self._identity):
            return ""
        expected = sign_visitor(self._identity, visitor_id)
        return visitor_id if hmac.compare_digest(visitor_hash.lower().encode(), expected.encode()) else ""


def sign_visitor(identity_secret: bytes, visitor_id: str) -> str:
    """What the site's backend computes for a signed-in visitor (and the demo page for its demo visitor)."""
    return hmac.new(identity_secret, visitor_id.encode(), hashlib.sha256).hexdigest()
