"""App Home: my assigned leads with their SLA, my pending reviews, quick actions."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from agent.conversations import ConversationStore
from channels.slack.commands import SalesCommand
from channels.slack.directory import Directory
from channels.slack.identity import Identity
from channels.slack.review import pending_for_rep
from channels.slack.store import SlackStore
from channels.slack.tasks import Background
from channels.slack.text import escape_mrkdwn, section, truncate
from guardrails.verification.queue import ReviewQueue
from tools.sqlbase import utcnow

log = logging.getLogger(__name__)
LIST_CHARS = 2900


def sla_text(due: datetime | None, now: datetime) -> str:
    """"due in 25 min" / "overdue by 2 h", with Slack's local-time rendering of the deadline."""
    if due is None:
        return "no SLA"
    minutes = int((due - now).total_seconds() // 60)
    span = f"{abs(minutes)} min" if abs(minutes) < 120 else f"{abs(minutes) // 60} h"
    epoch = int(due.replace(tzinfo=UTC).timestamp())
    when = f"<!date^{epoch}^{{time}}|{due.isoformat(timespec='minutes')}Z>"
    return f"⏰ due in {span} ({when})" if minutes >= 0 else f"🔴 overdue by {span} (was {when})"


def _list(lines: list[str], empty: str) -> str:
    text, shown = "", 0
    for line in lines:
        if len(text) + len(line) + 1 > LIST_CHARS:
            break
        text, shown = text + line + "\n", shown + 1
    if shown < len(lines):
        text += f"…and {len(lines) - shown} more"
    return text or empty


class AppHome:
    def __init__(self, client: AsyncWebClient, identity: Identity, directory: Directory, store: SlackStore,
                 queue: ReviewQueue, conversations: ConversationStore, background: Background,
                 command: SalesCommand, console_url: str = ""):
        self.client, self.identity, self.directory, self.store = client, identity, directory, store
        self.queue, self.conversations, self.background = queue, conversations, background
        self.command, self.console_url = command, console_url

    def register(self, app: AsyncApp) -> None:
        app.event("app_home_opened")(self._opened)
        app.action("home_refresh")(self._refresh)
        app.action("home_new_lead")(self._new_lead)
        app.view("home_new_lead_submit")(self._lead_submitted)
        app.action("home_console")(self._ack_only)

    async def _opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":  # the Messages tab is the agent thread's
            self.background.spawn(self.publish(event["user"]), "slack-home")

    async def _refresh(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self.background.spawn(self.publish(body["user"]["id"]), "slack-home")

    async def _ack_only(self, ack: Any) -> None:
        await ack()  # a URL button: Slack opens the link, we only acknowledge

    async def _new_lead(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self.background.spawn(self.client.views_open(trigger_id=body["trigger_id"], view=self.lead_modal()),
                              "slack-modal")

    @staticmethod
    def lead_modal() -> dict[str, Any]:
        return {
            "type": "modal", "callback_id": "home_new_lead_submit",
            "title": {"type": "plain_text", "text": "New lead"}, "submit": {"type": "plain_text", "text": "Create"},
            "blocks": [{"type": "input", "block_id": "lead", "label": {"type": "plain_text", "text": "Who, what, when"},
                        "element": {"type": "plain_text_input", "action_id": "text", "multiline": True,
                                    "max_length": 3000}}]}

    async def _lead_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = ((view["state"]["values"].get("lead") or {}).get("text") or {}).get("value") or ""
        if not text.strip():
            return await ack(response_action="errors", errors={"lead": "Describe the lead."})
        await ack()
        user = body["user"]["id"]
        self.background.spawn(self._create_lead(user, text), "slack-home-lead")

    async def _create_lead(self, user: str, text: str) -> None:
        who = await self.identity.rep(user)
        if who.kind != "rep" or self.command.create_lead is None:
            return
        dm = (await self.client.conversations_open(users=user))["channel"]["id"]

        async def respond(text: str, **_: Any) -> None:
            await self.client.chat_postMessage(channel=dm, text=text)

        lang = "zh" if who.rep_language == "zh" else "en"
        await self.command.lead(text, who.rep["id"], lang, respond)
        await self.publish(user)

    async def publish(self, user: str) -> None:
        who = await self.identity.rep(user)
        await self.client.views_publish(user_id=user, view={"type": "home", "blocks": await self.blocks(who)})

    async def blocks(self, who: Any) -> list[dict[str, Any]]:
        if who.kind != "rep":
            return [section("This app is for the sales team. Your Slack account isn't linked to a rep profile "
                            "yet; ask an admin to add your Slack user id to your rep record.")]
        rep_id, now = who.rep["id"], utcnow()
        leads = await asyncio.to_thread(self.directory.open_leads_for_rep, rep_id)
        notices = await asyncio.to_thread(self.store.notices_for_rep, rep_id, ("pending", "accepted"))
        reviews = await asyncio.to_thread(pending_for_rep, self.queue, self.conversations, self.directory, rep_id)
        due = {n.lead_id: n.sla_due_at for n in notices if n.state == "pending"}
        lines, listed = [], set()
        for lead in leads:
            listed.add(lead["id"])
            title = lead.get("summary") or lead["id"]
            lines.append(f"• *{escape_mrkdwn(lead['id'])}* — {truncate(title, 160)} · {escape_mrkdwn(lead['status'])}"
                         + (f" · {sla_text(due[lead['id']], now)}" if lead["id"] in due else ""))
        for n in notices:  # notified but not (yet) assigned in the CRM view
            if n.lead_id not in listed:
                listed.add(n.lead_id)
                title = n.event.get("summary") or n.lead_id
                lines.append(f"• *{escape_mrkdwn(n.lead_id)}* — {truncate(str(title), 160)} · {n.state}"
                             + (f" · {sla_text(n.sla_due_at, now)}" if n.state == "pending" else ""))
        review_lines = [f"• #{i.id} — {truncate(i.draft or ', '.join(i.reasons), 160)}" for i in reviews]
        name = escape_mrkdwn(str(who.rep["name"]))
        actions: list[dict[str, Any]] = [{"type": "button", "action_id": "home_refresh",
                                          "text": {"type": "plain_text", "text": "Refresh"}}]
        if self.command.create_lead is not None:
            actions.append({"type": "button", "action_id": "home_new_lead", "style": "primary",
                            "text": {"type": "plain_text", "text": "New lead"}})
        if self.console_url:
            actions.append({"type": "button", "action_id": "home_console", "url": self.console_url,
                            "text": {"type": "plain_text", "text": "Reviewer console"}})
        return [
            {"type": "header", "text": {"type": "plain_text", "text": "Sales agent"}},
            section(f"Hi {name}. Ask me anything in the *Messages* tab or with `/sales help`."),
            {"type": "actions", "block_id": "home_actions", "elements": actions},
            {"type": "divider"},
            section(f"*My leads* ({len(lines)})\n" + _list(lines, "_No open leads._")),
            {"type": "divider"},
            section(f"*My pending reviews* ({len(review_lines)})\n" + _list(review_lines, "_Nothing waiting._")),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Updated <!date^{int(datetime.now(UTC).timestamp())}"
                                               f"^{{date_short_pretty}} {{time}}|just now>"}]},
        ]
