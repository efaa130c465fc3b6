"""Messages to the agent: the rep's agent threads (assistant view), DMs, @mentions, and customers
writing in Slack Connect shared channels. Listeners only look and hand over; the work runs after the ack."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.async_store import AsyncAssistantThreadContextStore
from slack_bolt.middleware.assistant.async_assistant import AsyncAssistant
from slack_sdk.errors import SlackApiError

from agent.conversations import ConversationStore
from agent.types import Inbound
from channels.slack.config import SlackConfig
from channels.slack.i18n import PROMPTS, t
from channels.slack.identity import Identity
from channels.slack.ids import Thread, home_team
from channels.slack.tasks import Background
from channels.slack.turns import Target, TurnRunner

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
TITLE_CHARS = 60


class ContextStore(AsyncAssistantThreadContextStore):
    """Which channel a rep is looking at beside the agent thread; in memory, bounded."""

    def __init__(self, size: int = 5_000):
        self._data: OrderedDict[tuple[str, str], dict[str, str]] = OrderedDict()
        self.size = size

    async def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        self._data[(channel_id, thread_ts)] = dict(context)
        self._data.move_to_end((channel_id, thread_ts))
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    async def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        found = self._data.get((channel_id, thread_ts))
        return AssistantThreadContext(found) if found else None


class ThreadHandlers:
    def __init__(self, turns: TurnRunner, identity: Identity, conversations: ConversationStore,
                 background: Background, config: SlackConfig):
        self.turns, self.identity, self.conversations = turns, identity, conversations
        self.background, self.config = background, config
        self.contexts = ContextStore()

    def register(self, app: AsyncApp) -> None:
        assistant = AsyncAssistant(thread_context_store=self.contexts)
        assistant.thread_started(self._thread_started)
        assistant.thread_context_changed(self._context_changed)
        assistant.user_message(self._assistant_message)
        app.assistant(assistant)
        app.event("app_mention")(self._mention)
        app.event("message")(self._message)

    # -- listeners: look, hand over, return (Bolt acks) -----------------------------------------

    async def _thread_started(self, body: dict[str, Any], payload: dict[str, Any]) -> None:
        self.background.spawn(self.greet(body, payload["assistant_thread"]), "slack-greet")

    async def _context_changed(self, payload: dict[str, Any]) -> None:
        thread = payload["assistant_thread"]
        await self.contexts.save(channel_id=thread["channel_id"], thread_ts=thread["thread_ts"],
                                 context=thread.get("context") or {})

    async def _assistant_message(self, body: dict[str, Any], payload: dict[str, Any]) -> None:
        self.background.spawn(self.rep_turn(body, payload, payload["thread_ts"], in_agent_thread=True), "slack-turn")

    async def _mention(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
        thread_ts = event.get("thread_ts") or event["ts"]
        self.background.spawn(self.mention(body, event, thread_ts, context.get("bot_user_id") or ""), "slack-mention")

    async def _message(self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("subtype") not in (None, "file_share") or event.get("bot_id") or not event.get("user"):
            return  # edits, deletions, joins, other bots
        bot = context.get("bot_user_id") or ""
        if event.get("channel_type") == "im":
            self.background.spawn(self.rep_turn(body, event, event.get("thread_ts") or event["ts"]), "slack-dm")
        elif body.get("is_ext_shared_channel") and f"<@{bot}" not in (event.get("text") or ""):
            # @mentions arrive as app_mention too; answer those there, once.
            self.background.spawn(self.shared_channel_message(body, event), "slack-shared")

    # -- the work -------------------------------------------------------------------------------

    async def greet(self, body: dict[str, Any], thread: dict[str, Any]) -> None:
        user, channel, thread_ts = thread["user_id"], thread["channel_id"], thread["thread_ts"]
        await self.contexts.save(channel_id=channel, thread_ts=thread_ts, context=thread.get("context") or {})
        who = await self.identity.rep(user, home_team(body))
        lang = await self.identity.language(user, who=who)
        target = Target(channel, thread_ts, user, who.team)
        if who.kind != "rep":
            return await self.turns.say(target, t("unknown_user", lang))
        first_name = str(who.rep["name"]).split(" (")[0].split(" ")[0]
        await self.turns.say(target, t("greeting", lang, name=first_name))
        await self.turns.client.assistant_threads_setSuggestedPrompts(
            channel_id=channel, thread_ts=thread_ts, title=t("prompts_title", lang),
            prompts=[{"title": title, "message": message} for title, message in PROMPTS[lang]])

    async def rep_turn(self, body: dict[str, Any], event: dict[str, Any], thread_ts: str, *,
                       ephemeral: bool = False, in_agent_thread: bool = False, text: str | None = None) -> None:
        user, channel = event["user"], event["channel"]
        text = (event.get("text") or "") if text is None else text
        who = await self.identity.rep(user, home_team(body))
        target = Target(channel, thread_ts, user, who.team, ephemeral=ephemeral)
        if who.kind != "rep":
            lang = await self.identity.language(user, text)
            return await self.turns.say(target if event.get("channel_type") == "im" else
                                        Target(channel, thread_ts, user, who.team, ephemeral=True),
                                        t("unknown_user", lang))
        if not await self._fits(target, text):
            return
        thread = Thread(home_team(body), channel, thread_ts, user if ephemeral else None)
        if not ephemeral and not await self._owns(thread, "rep", user):
            # someone else's thread with the bot (a customer's, another rep's): this rep gets a private one
            thread, target = Thread(thread.team_id, channel, thread_ts, user), replace(target, ephemeral=True)
        inbound = Inbound(thread.conversation_id, text, channel="slack", persona="rep", channel_user_id=user,
                          channel_message_id=event.get("client_msg_id") or event.get("ts"))
        if in_agent_thread and await asyncio.to_thread(self.conversations.get, thread.conversation_id) is None:
            await self._title(channel, thread_ts, text)
        await self.turns.answer(inbound, target, rep_id=who.rep["id"])

    async def mention(self, body: dict[str, Any], event: dict[str, Any], thread_ts: str, bot: str) -> None:
        text = MENTION.sub(lambda m: "" if m.group(1) == bot else m.group(0), event.get("text") or "").strip()
        if await self.identity.is_external(event["user"], body, event):
            return await self.customer_turn(body, event, thread_ts, text)
        # A rep asking inside a customer's shared channel gets a private answer: rep answers may hold
        # internal information the customer must not see.
        await self.rep_turn(body, event, thread_ts, ephemeral=bool(body.get("is_ext_shared_channel")), text=text)

    async def shared_channel_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if await self.identity.is_external(event["user"], body, event):
            await self.customer_turn(body, event, event.get("thread_ts") or event["ts"], event.get("text") or "")

    async def customer_turn(self, body: dict[str, Any], event: dict[str, Any], thread_ts: str, text: str) -> None:
        who = await self.identity.who(event["user"], body, event)
        target = Target(event["channel"], thread_ts, event["user"], who.team)
        if not await self._fits(target, text):
            return
        thread = Thread(home_team(body), event["channel"], thread_ts)
        if not await self._owns(thread, "customer"):
            # a rep's thread with the bot from before the channel was shared: its conversation runs with rep
            # tools and internal documents, so the customer is answered in a private conversation of their own
            thread, target = Thread(thread.team_id, event["channel"], thread_ts, event["user"]), \
                replace(target, ephemeral=True)
        inbound = Inbound(thread.conversation_id, text, channel="slack", persona="customer",
                          channel_user_id=event["user"],
                          channel_message_id=event.get("client_msg_id") or event.get("ts"))
        await self.turns.answer(inbound, target)

    async def _owns(self, thread: Thread, persona: str, user: str | None = None) -> bool:
        """Whether a turn of `persona` (and, for a rep, of `user`) may join the thread's shared conversation:
        it is new, or it is that persona's (and that rep's: a rep's conversation runs in their scope)."""
        convo = await asyncio.to_thread(self.conversations.get, thread.conversation_id)
        return convo is None or (convo.persona == persona and (user is None or convo.channel_user_id == user))

    async def _fits(self, target: Target, text: str) -> bool:
        limit = self.config.max_message_chars
        if not text.strip():
            return False
        if len(text) > limit:
            lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
            await self.turns.say(target, t("too_long", lang, n=len(text), limit=limit))
            return False
        return True

    async def _title(self, channel: str, thread_ts: str, text: str) -> None:
        title = " ".join(text.split())
        title = title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1] + "…"
        with contextlib.suppress(SlackApiError):  # cosmetic
            await self.turns.client.assistant_threads_setTitle(channel_id=channel, thread_ts=thread_ts, title=title)
