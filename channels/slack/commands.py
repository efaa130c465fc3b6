"""`/sales`: 360 <account>, draft <situation>, lead <text>, queue, help — bilingual.

360 and draft are questions to the agent: they open a thread in the rep's DM and answer there, so the
CRM tools and the consent policy apply exactly as in any other turn, and the rep can follow up.
Lead capture and routing are injected (`create_lead(text, rep_id=…, source="slack") -> {"id": …}`,
`route_lead(lead_id) -> {"rep_id"/"rep_name" or "reason"}`); without them the command says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from agent.conversations import ConversationStore
from agent.types import Inbound
from channels.slack.directory import Directory
from channels.slack.i18n import HELP, t
from channels.slack.identity import Identity
from channels.slack.ids import Thread
from channels.slack.review import pending_for_rep
from channels.slack.tasks import Background
from channels.slack.text import escape_mrkdwn, truncate
from channels.slack.turns import Target, TurnRunner
from guardrails.verification.queue import ReviewQueue

log = logging.getLogger(__name__)
CreateLead = Callable[..., dict[str, Any]]
RouteLead = Callable[[str], dict[str, Any]]
WORDS = {"360": "360", "draft": "draft", "lead": "lead", "queue": "queue", "help": "help",
         "帮助": "help", "草稿": "draft", "线索": "lead", "队列": "queue", "?": "help", "": "help"}


def parse(text: str) -> tuple[str, str, str]:
    """(command, argument, the word as typed)."""
    word, _, rest = (text or "").strip().partition(" ")
    return WORDS.get(word.lower(), "unknown"), rest.strip(), word


class SalesCommand:
    def __init__(self, client: AsyncWebClient, identity: Identity, turns: TurnRunner, queue: ReviewQueue,
                 conversations: ConversationStore, directory: Directory, background: Background,
                 create_lead: CreateLead | None = None, route_lead: RouteLead | None = None, max_chars: int = 8000):
        self.client, self.identity, self.turns, self.queue = client, identity, turns, queue
        self.conversations, self.directory, self.background = conversations, directory, background
        self.create_lead, self.route_lead, self.max_chars = create_lead, route_lead, max_chars

    def register(self, app: AsyncApp) -> None:
        app.command("/sales")(self._command)

    async def _command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        verb, arg, word = parse(command.get("text", ""))
        user, team = command["user_id"], command.get("team_id", "")
        who = await self.identity.rep(user, team)
        lang = await self._lang(verb, arg, word, who)
        if who.kind != "rep":
            return await ack(text=t("unknown_user", lang), response_type="ephemeral")
        if verb in ("help", "unknown"):
            head = t("unknown", lang, word=escape_mrkdwn(word)) + "\n" if verb == "unknown" else ""
            return await ack(text=head + HELP[lang], response_type="ephemeral")
        if verb in ("360", "draft", "lead") and not arg:
            return await ack(text=t("needs_arg", lang, word=verb), response_type="ephemeral")
        if len(arg) > self.max_chars:
            return await ack(text=t("too_long", lang, n=len(arg), limit=self.max_chars), response_type="ephemeral")
        if verb == "lead" and self.create_lead is None:
            return await ack(text=t("no_leads", lang), response_type="ephemeral")
        if verb in ("360", "draft"):
            await ack(text=t("working_dm", lang), response_type="ephemeral")
            self.background.spawn(self.ask(verb, arg, user, team, who.rep["id"], lang), "slack-command")
        elif verb == "lead":
            await ack()
            self.background.spawn(self.lead(arg, who.rep["id"], lang, respond), "slack-lead-create")
        else:
            await ack()
            self.background.spawn(self.my_queue(who.rep["id"], lang, respond), "slack-queue")

    async def _lang(self, verb: str, arg: str, word: str, who: Any) -> str:
        if verb == "help" and arg.lower() in ("zh", "cn", "中文"):
            return "zh"
        if verb == "help" and arg.lower() == "en":
            return "en"
        if any("\u4e00" <= ch <= "\u9fff" for ch in word + arg):
            return "zh"
        return "zh" if who.rep_language == "zh" else "en"

    async def ask(self, verb: str, arg: str, user: str, team: str, rep_id: str, lang: str) -> None:
        dm = (await self.client.conversations_open(users=user))["channel"]["id"]
        root = await self.client.chat_postMessage(channel=dm, text=escape_mrkdwn(t(f"{verb}_root", lang, q=arg)))
        thread = Thread(team, dm, root["ts"])
        inbound = Inbound(thread.conversation_id, t(f"{verb}_ask", lang, q=arg), channel="slack", persona="rep",
                          channel_user_id=user, channel_message_id=f"command:{root['ts']}")
        await self.turns.answer(inbound, Target(dm, root["ts"], user, team), rep_id=rep_id)

    async def lead(self, text: str, rep_id: str, lang: str, respond: Any) -> None:
        try:
            lead = await asyncio.to_thread(lambda: self.create_lead(text, rep_id=rep_id, source="slack"))
            routed = ""
            if self.route_lead is not None:
                result = await asyncio.to_thread(self.route_lead, str(lead["id"])) or {}
                target = result.get("rep_name") or result.get("rep_id")
                routed = t("routed", lang, rep=escape_mrkdwn(str(target))) if target else \
                    t("unrouted", lang, why=escape_mrkdwn(str(result.get("reason") or "?")))
            await respond(text=t("lead_made", lang, lead_id=escape_mrkdwn(str(lead["id"])), routed=routed),
                          response_type="ephemeral")
        except Exception as exc:
            log.exception("lead from /sales failed")
            await respond(text=t("lead_failed", lang, why=escape_mrkdwn(str(exc))[:300]), response_type="ephemeral")

    async def my_queue(self, rep_id: str, lang: str, respond: Any) -> None:
        items = await asyncio.to_thread(pending_for_rep, self.queue, self.conversations, self.directory, rep_id)
        if not items:
            return await respond(text=t("queue_empty", lang), response_type="ephemeral")
        lines = [f"• #{i.id} — {truncate(i.draft or ', '.join(i.reasons), 200)}" for i in items[:20]]
        await respond(text=t("queue_head", lang, n=len(items)) + "\n" + "\n".join(lines), response_type="ephemeral")
