"""One agent turn in a Slack thread: status while working, the reply shown live, the final reply.

The runner is synchronous (LangGraph, SQLAlchemy); it runs in the worker pool and its stream events
are forwarded to the event loop, which is never blocked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent.conversations import ConversationStore, DuplicateMessage
from agent.runner import Runner
from agent.turns import QUEUED_TURN_WAIT_S, ConversationBusy
from agent.types import Inbound
from channels.slack.config import SlackConfig
from channels.slack.i18n import t
from channels.slack.tasks import Background
from channels.slack.text import reply_messages
from channels.slack.writers import EphemeralWriter, StreamWriter, UpdateWriter, Writer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """Where the answer goes and who it is for."""

    channel: str
    thread_ts: str
    user: str
    team: str
    ephemeral: bool = False  # only `user` sees it (a rep asking inside a customer's shared channel)


class TurnRunner:
    def __init__(self, client: AsyncWebClient, runner: Runner, conversations: ConversationStore,
                 background: Background, config: SlackConfig):
        self.client, self.runner, self.conversations = client, runner, conversations
        self.background, self.config = background, config
        self.replies = 0  # answers finished (for tests and the bench)

    def _writer(self, target: Target) -> Writer:
        if target.ephemeral:
            return EphemeralWriter(self.client, target.channel, target.thread_ts, target.user)
        if self.config.streaming:
            return StreamWriter(self.client, target.channel, target.thread_ts, user=target.user, team=target.team,
                                interval=self.config.update_interval_s)
        return UpdateWriter(self.client, target.channel, target.thread_ts, self.config.update_interval_s)

    async def answer(self, inbound: Inbound, target: Target, *, rep_id: str | None = None) -> dict[str, Any] | None:
        """Run the turn and show it; returns the runner's final reply event (None for a duplicate)."""
        lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in inbound.text) else "en"
        # The runner's lease keeps one turn at a time across processes; this in-process queue in front of it
        # keeps waiting turns on the event loop instead of each blocking a worker thread.
        async with self.background.lock(inbound.conversation_id):
            await self.background.run(lambda: self.conversations.ensure(
                inbound.conversation_id, channel="slack", persona=inbound.persona,
                channel_user_id=inbound.channel_user_id, rep_id=rep_id))
            if not target.ephemeral:
                await self.set_status(target, t("thinking", lang), t("loading", lang).split("|"))
            writer = self._writer(target)
            reply: dict[str, Any] | None = None
            try:
                async for event in self.background.iterate(
                        lambda: self.runner.stream(inbound, wait_s=QUEUED_TURN_WAIT_S)):
                    if event["type"] == "delta":
                        await writer.delta(event["text"])
                    elif event["type"] == "reply":
                        reply = event
            except DuplicateMessage:
                log.info("message %s in %s already answered", inbound.channel_message_id, inbound.conversation_id)
                await self.set_status(target, "")
                return None
            except ConversationBusy:  # nothing was stored: the user is told to resend, not left waiting
                log.error("turn in %s gave up waiting for the turn before it", inbound.conversation_id)
                await writer.finish(reply_messages(t("busy", lang)))
                return None
            except Exception:
                log.exception("agent turn failed in %s", inbound.conversation_id)
            lang = (reply or {}).get("language", lang)
            if reply is None:
                messages = reply_messages(t("failed", lang))
            else:
                cites = reply["citations"] if reply["status"] == "sent" else []
                messages = reply_messages(reply["text"], cites, sources_label=t("sources", lang))
            await writer.finish(messages)
            self.replies += 1
            return reply

    async def set_status(self, target: Target, status: str, loading: list[str] | None = None) -> None:
        """The "is thinking…" line under the thread; cosmetic, so failures are only logged."""
        try:
            await self.client.assistant_threads_setStatus(channel_id=target.channel, thread_ts=target.thread_ts,
                                                          status=status, loading_messages=loading)
        except SlackApiError as exc:
            log.info("assistant.threads.setStatus failed: %s", exc.response.get("error"))

    async def say(self, target: Target, text: str) -> None:
        """A short message of our own (refusals, notes) in the thread, or only to the user."""
        for msg in reply_messages(text):
            if target.ephemeral:
                await self.client.chat_postEphemeral(channel=target.channel, user=target.user,
                                                     thread_ts=target.thread_ts, **msg)
            else:
                await self.client.chat_postMessage(channel=target.channel, thread_ts=target.thread_ts, **msg)
