"""Refuse replays and drop retries before any listener runs.

Bolt already checks the signature and the 5-minute timestamp window; a request replayed inside that
window still verifies, so every accepted signature is remembered (durably) and a second use is refused
with 401. Events carry an `event_id` that stays the same when Slack retries (`X-Slack-Retry-Num`); a
seen id is acked with 200 and nothing else happens, even after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from channels.slack.store import SlackStore

log = logging.getLogger(__name__)


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None


class RequestGuard(AsyncMiddleware):
    def __init__(self, store: SlackStore):
        self.store = store
        self.refused = 0  # counters for tests and logs
        self.duplicates = 0

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse | None:  # noqa: A002
        # Socket Mode has no signatures (the connection is authenticated); events still get de-duplicated.
        signature = None if req.mode == "socket_mode" else _header(req, "x-slack-signature")
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        try:
            verdict = await asyncio.to_thread(self.store.admit, signature, event_id)
        except Exception:
            log.exception("cannot record the Slack request; asking Slack to retry later")
            return BoltResponse(status=503, body="temporarily unavailable")
        if verdict == "replay":
            self.refused += 1
            log.warning("refused a replayed Slack request (event_id=%s)", event_id)
            return BoltResponse(status=401, body="")
        if verdict == "duplicate":
            self.duplicates += 1
            log.info("dropped Slack event %s already handled (retry %s, reason %s)", event_id,
                     _header(req, "x-slack-retry-num"), _header(req, "x-slack-retry-reason"))
            return BoltResponse(status=200, body="")
        return await next()
