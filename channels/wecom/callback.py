"""The callback's front door: verify, decrypt, refuse replays, de-duplicate, then hand off and ack.

Nothing is written before a request proves it comes from WeCom: the replay record and the message claim
are the only side effects of accepting a request, and a refused one has none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from channels.wecom.crypto import DecryptError, SignatureError, WeComCrypto
from channels.wecom.pacing import Clock, RealClock
from channels.wecom.store import WeComStore
from channels.wecom.xmlsafe import MAX_XML_BYTES, BadXml, parse_flat

log = logging.getLogger(__name__)
REPLAY_WINDOW_S = 300


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Params:
    msg_signature: str
    timestamp: str
    nonce: str


def message_key(fields: dict[str, str]) -> str | None:
    """The id WeCom retries carry: MsgId for messages; the event's own token or time for events."""
    if fields.get("MsgId"):
        return f"msg:{fields['MsgId']}"
    if fields.get("MsgType") == "event":
        tail = fields.get("Token") or f"{fields.get('FromUserName', '')}:{fields.get('CreateTime', '')}"
        return f"evt:{fields.get('Event', '')}:{tail}"
    return None


class CallbackService:
    def __init__(self, crypto: WeComCrypto, store: WeComStore, dispatch: Callable[[str, dict[str, str]], None], *,
                 corp_id: str, clock: Clock | None = None, window_s: float = REPLAY_WINDOW_S,
                 max_bytes: int = MAX_XML_BYTES):
        self.crypto, self.store, self.dispatch = crypto, store, dispatch
        self.corp_id = corp_id
        self.clock = clock or RealClock()
        self.window_s, self.max_bytes = window_s, max_bytes

    def _fresh(self, p: Params) -> int:
        if not (p.timestamp.isdigit() and len(p.timestamp) <= 12 and p.nonce and len(p.nonce) <= 64):
            raise Refused(400, "timestamp and nonce are required")
        ts = int(p.timestamp)
        if abs(self.clock.now() - ts) > self.window_s:
            raise Refused(403, "timestamp outside the replay window")
        return ts

    def verify_url(self, p: Params, echostr: str) -> str:
        """GET /wecom/callback: WeCom checks we hold the Token and key; answer with echostr's plaintext."""
        ts = self._fresh(p)
        try:
            plain = self.crypto.verify_url(p.msg_signature, p.timestamp, p.nonce, echostr)
        except SignatureError:
            raise Refused(403, "msg_signature does not match") from None
        except DecryptError as exc:
            raise Refused(400, f"echostr: {exc}") from None
        if not self.store.first_sight(ts, p.nonce, self.clock.now(), self.window_s):
            raise Refused(409, "replayed request (timestamp and nonce already seen)")
        return plain

    def accept(self, p: Params, body: bytes) -> str:
        """POST /wecom/callback. Returns 'accepted' or 'duplicate'; raises Refused for anything else."""
        if len(body) > self.max_bytes:
            raise Refused(413, f"body is larger than {self.max_bytes} bytes")
        ts = self._fresh(p)
        try:
            outer = parse_flat(body, limit=self.max_bytes)
        except BadXml as exc:
            raise Refused(400, str(exc)) from None
        encrypt = outer.get("Encrypt", "")
        if not encrypt:
            raise Refused(400, "no <Encrypt> element")
        try:
            inner_xml = self.crypto.open(p.msg_signature, p.timestamp, p.nonce, encrypt)
        except SignatureError:
            raise Refused(403, "msg_signature does not match") from None
        except DecryptError as exc:
            raise Refused(400, f"cannot decrypt: {exc}") from None
        try:
            fields = parse_flat(inner_xml, limit=self.max_bytes)
        except BadXml as exc:
            raise Refused(400, f"inner message: {exc}") from None
        if fields.get("ToUserName") and fields["ToUserName"] != self.corp_id:
            raise Refused(403, "message is for another corp")
        if not self.store.first_sight(ts, p.nonce, self.clock.now(), self.window_s):
            raise Refused(409, "replayed request (timestamp and nonce already seen)")
        key = message_key(fields)
        if key is None:
            log.info("WeCom callback without a message id (MsgType %s) acknowledged", fields.get("MsgType"))
            return "ignored"
        if not self.store.claim(key, fields.get("MsgType", ""), fields.get("FromUserName", ""), self.clock.now()):
            return "duplicate"
        self.dispatch(key, fields)
        return "accepted"
