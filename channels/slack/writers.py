"""How a reply appears in Slack while the agent works, and how it ends.

- `StreamWriter`: Slack's streaming API (chat.startStream / appendStream / stopStream): text appears as
  it is generated. Falls back to `UpdateWriter` when the workspace refuses streaming.
- `UpdateWriter`: one message posted, then edited with chat.update at most every `interval` seconds.
- `EphemeralWriter`: nothing live; the final answer is shown to one person only (chat.postEphemeral).

Whatever was shown live, `finish` replaces it with the final reply (citations renumbered, or the holding
text when a person must check the answer), split to Slack's limits.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack.text import MESSAGE_LIMIT, STREAM_CHUNK_LIMIT, escape_markdown, escape_mrkdwn, split_text

log = logging.getLogger(__name__)
LIVE_SUFFIX = " …"
COMMON = {"unfurl_links": False, "unfurl_media": False}  # a model's URL must not pull in previews


class Writer(Protocol):
    async def delta(self, text: str) -> None: ...
    async def finish(self, messages: list[dict[str, Any]]) -> list[str]: ...


class UpdateWriter:
    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, interval: float, shown: str = "",
                 ts: str | None = None):
        self.client, self.channel, self.thread_ts, self.interval = client, channel, thread_ts, interval
        self.shown, self.ts, self._last = shown, ts, 0.0

    def _preview(self) -> str:
        head = split_text(self.shown, MESSAGE_LIMIT - len(LIVE_SUFFIX))
        return (escape_mrkdwn(head[0]) if head else "") + LIVE_SUFFIX

    async def delta(self, text: str) -> None:
        self.shown += text
        now = time.monotonic()
        if self.ts is None:
            r = await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts,
                                                   text=self._preview(), **COMMON)
            self.ts, self._last = r["ts"], now
        elif now - self._last >= self.interval:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=self._preview())
            self._last = now

    async def finish(self, messages: list[dict[str, Any]]) -> list[str]:
        first, rest = messages[0], messages[1:]
        if self.ts is None:
            r = await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, **first, **COMMON)
            self.ts = r["ts"]
        else:
            await self.client.chat_update(channel=self.channel, ts=self.ts, **first)
        stamps = [self.ts]
        for msg in rest:
            r = await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, **msg, **COMMON)
            stamps.append(r["ts"])
        return stamps


class StreamWriter:
    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, *, user: str, team: str,
                 interval: float):
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.user, self.team, self.interval = user, team, interval
        self.ts: str | None = None
        self.sent = ""  # raw text already streamed
        self.pending = ""
        self._last = 0.0
        self.fallback: UpdateWriter | None = None

    async def delta(self, text: str) -> None:
        if self.fallback is not None:
            return await self.fallback.delta(text)
        self.pending += text
        # Flush whole words only, so nothing (like "@he" + "re") is assembled across two appends.
        cut = max(self.pending.rfind(" "), self.pending.rfind("\n")) + 1
        due = time.monotonic() - self._last >= self.interval
        if cut <= 0 or not (due or self.ts is None):
            return
        chunk, self.pending = self.pending[:cut], self.pending[cut:]
        if len(self.sent) + len(chunk) > STREAM_CHUNK_LIMIT:  # the live preview stops; finish has it all
            self.sent += chunk
            return
        try:
            if self.ts is None:
                r = await self.client.chat_startStream(channel=self.channel, thread_ts=self.thread_ts,
                                                       recipient_user_id=self.user, recipient_team_id=self.team,
                                                       markdown_text=escape_markdown(chunk))
                self.ts = r["ts"]
            else:
                await self.client.chat_appendStream(channel=self.channel, ts=self.ts,
                                                    markdown_text=escape_markdown(chunk))
            self.sent += chunk
            self._last = time.monotonic()
        except SlackApiError as exc:
            log.info("streaming refused (%s); falling back to chat.update", exc.response.get("error"))
            self.fallback = UpdateWriter(self.client, self.channel, self.thread_ts, self.interval,
                                         shown=self.sent, ts=self.ts)
            await self.fallback.delta(chunk)

    async def finish(self, messages: list[dict[str, Any]]) -> list[str]:
        if self.fallback is not None:
            return await self.fallback.finish(messages)
        if self.ts is not None:
            try:
                await self.client.chat_stopStream(channel=self.channel, ts=self.ts)
            except SlackApiError as exc:  # the stream may have expired server-side; chat.update still works
                log.info("chat.stopStream failed (%s); updating the message instead", exc.response.get("error"))
        return await UpdateWriter(self.client, self.channel, self.thread_ts, self.interval, ts=self.ts).finish(messages)


class EphemeralWriter:
    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, user: str):
        self.client, self.channel, self.thread_ts, self.user = client, channel, thread_ts, user

    async def delta(self, text: str) -> None:
        return None

    async def finish(self, messages: list[dict[str, Any]]) -> list[str]:
        stamps = []
        for msg in messages:
            r = await self.client.chat_postEphemeral(channel=self.channel, user=self.user,
                                                     thread_ts=self.thread_ts, **msg)
            stamps.append(r.get("message_ts", ""))
        return stamps
