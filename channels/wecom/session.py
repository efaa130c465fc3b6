"""Short-lived signed sessions for the sidebar. The rep's identity comes from WeCom OAuth
(code → userid on our server), never from anything the page says."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

SESSION_TTL_S = 30 * 60


@dataclass(frozen=True)
class RepSession:
    rep_id: str
    userid: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, secret: str, *, ttl_s: int = SESSION_TTL_S, now: Callable[[], float] = time.time):
        if not secret:
            raise ValueError("the sidebar needs the app Secret to sign sessions")
        # a key of its own, derived from the app secret: rotating the secret ends every session
        self._key = hmac.new(secret.encode(), b"salesagent wecom sidebar session v1", hashlib.sha256).digest()
        self.ttl_s, self._now = ttl_s, now

    def issue(self, rep_id: str, userid: str) -> str:
        payload = _b64(json.dumps({"r": rep_id, "u": userid, "e": int(self._now()) + self.ttl_s}).encode())
        return f"{payload}.{_b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())}"

    def verify(self, token: str) -> RepSession | None:
        if not token or len(token) > 1024 or token.count(".") != 1:
            return None
        payload, mac = token.split(".")
        expected = _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected.encode(), mac.encode()):
            return None
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            return None
        if int(data.get("e", 0)) <= self._now():
            return None
        return RepSession(str(data["r"]), str(data["u"]), int(data["e"]))
