"""Lead notifications: the assigned rep gets a DM with the lead, why it scored, the SLA, and Accept /
Decline. Decline, or no answer before the SLA, hands the lead back through `on_decline` (re-routing is
the routing code's job).

`notify(rep_id, event)` is what lead routing calls. The event is a dict; keys used (all optional but
`lead_id`): summary, account, contact, score, score_reasons, product_line, estimated_value, language,
reason (why this rep), sla_due_at (datetime or ISO 8601, UTC when naive) or sla_minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack.directory import Directory
from channels.slack.store import Notice, SlackStore
from channels.slack.tasks import Background
from channels.slack.text import context, escape_mrkdwn, section, truncate
from tools.sqlbase import utcnow

log = logging.getLogger(__name__)
LeadCallback = Callable[[str, str], Any]  # (lead_id, rep_id)

WORDS = {
    "en": {"title": "New lead for you", "score": "Score", "why": "Why this score", "product": "Product",
           "value": "Est. value", "respond": "Respond by", "accept": "Accept", "decline": "Decline",
           "accepted": "✅ You accepted this lead.", "declined": "↩️ You declined this lead; it is being re-routed.",
           "expired": "⏰ The response time ran out; the lead was re-routed.", "routed_because": "Routed to you"},
    "zh": {"title": "您有新线索", "score": "评分", "why": "评分理由", "product": "产品线", "value": "预估金额",
           "respond": "请在此时间前响应", "accept": "接受", "decline": "拒绝", "accepted": "✅ 您已接受这条线索。",
           "declined": "↩️ 您已拒绝这条线索，系统正在重新分配。", "expired": "⏰ 超过响应时限，线索已重新分配。",
           "routed_because": "分配给您的原因"},
}


def due_at(event: dict[str, Any], now: datetime | None = None) -> datetime | None:
    """The SLA deadline as naive UTC (how the database stores times)."""
    value = event.get("sla_due_at")
    if isinstance(value, str) and value.strip():
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if event.get("sla_minutes") is not None:
        return (now or utcnow()) + timedelta(minutes=float(event["sla_minutes"]))
    return None


def lead_blocks(notice_id: int, event: dict[str, Any], lang: str, sla: datetime | None,
                outcome: str = "") -> list[dict[str, Any]]:
    w = WORDS["zh" if lang == "zh" else "en"]
    who = " · ".join(escape_mrkdwn(str(event[k])) for k in ("account", "contact") if event.get(k))
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": w["title"]}}]
    head = (f"*{who}*\n" if who else "") + truncate(str(event.get("summary") or event.get("lead_id")), 2500)
    blocks.append(section(head))
    facts = []
    if event.get("score") is not None:
        facts.append(f"*{w['score']}:* {escape_mrkdwn(str(event['score']))}")
    if event.get("product_line"):
        facts.append(f"*{w['product']}:* {escape_mrkdwn(str(event['product_line']))}")
    if event.get("estimated_value"):
        facts.append(f"*{w['value']}:* {escape_mrkdwn(str(event['estimated_value']))}")
    if facts:
        blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts[:10]]})
    reasons = [str(r) for r in event.get("score_reasons") or []][:10]
    if reasons:
        blocks.append(section(truncate(f"{w['why']}:\n" + "\n".join(f"• {r}" for r in reasons), 2900)))
    if event.get("reason"):
        blocks.append(context(truncate(f"{w['routed_because']}: {event['reason']}", 2900)))
    if sla is not None:
        epoch = int(sla.replace(tzinfo=UTC).timestamp())
        blocks.append(context(f"{w['respond']} <!date^{epoch}^{{date_short_pretty}} {{time}}|{sla.isoformat()}Z>"))
    if outcome:
        blocks.append(section(w[outcome]))
    else:
        value = str(notice_id)
        blocks.append({"type": "actions", "block_id": f"lead_{notice_id}", "elements": [
            {"type": "button", "action_id": "lead_accept", "style": "primary", "value": value,
             "text": {"type": "plain_text", "text": w["accept"]}},
            {"type": "button", "action_id": "lead_decline", "style": "danger", "value": value,
             "text": {"type": "plain_text", "text": w["decline"]}}]})
    return blocks


def _jsonable(event: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in event.items()}


class LeadNotifier:
    def __init__(self, client: WebClient, aclient: AsyncWebClient, store: SlackStore, directory: Directory,
                 background: Background, on_decline: LeadCallback | None = None,
                 on_accept: LeadCallback | None = None):
        self.client, self.aclient, self.store, self.directory = client, aclient, store, directory
        self.background, self.on_decline, self.on_accept = background, on_decline, on_accept

    def notify(self, rep_id: str, event: dict[str, Any]) -> bool:
        """DM the rep about a lead (blocking; call it from a worker thread). False when the rep has no
        Slack account linked or Slack refused; the caller's routing is never broken by Slack."""
        lead_id = str(event.get("lead_id") or "")
        rep = self.directory.rep(rep_id)
        if not lead_id or rep is None or not rep.get("slack_user_id"):
            log.warning("lead %r not sent to rep %r: no lead id or no Slack account linked", lead_id, rep_id)
            return False
        lang = (rep.get("languages") or ["en"])[0]
        sla = due_at(event)
        notice_id = self.store.add_notice(lead_id=lead_id, rep_id=rep_id, sla_due_at=sla, event=_jsonable(event))
        try:
            channel = self.client.conversations_open(users=rep["slack_user_id"])["channel"]["id"]
            blocks = lead_blocks(notice_id, event, lang, sla)
            r = self.client.chat_postMessage(channel=channel, text=WORDS["zh" if lang == "zh" else "en"]["title"],
                                             blocks=blocks, unfurl_links=False)
        except SlackApiError as exc:
            log.error("lead %s DM to rep %s failed: %s", lead_id, rep_id, exc.response.get("error"))
            return False
        self.store.notice_sent(notice_id, channel, r["ts"])
        return True

    def register(self, app: AsyncApp) -> None:
        app.action("lead_accept")(self._clicked)
        app.action("lead_decline")(self._clicked)

    async def _clicked(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        state = "accepted" if action["action_id"] == "lead_accept" else "declined"
        self.background.spawn(self.decide(int(action["value"]), body["user"]["id"], state), "slack-lead")

    async def decide(self, notice_id: int, slack_user: str, state: str) -> bool:
        notice = await asyncio.to_thread(self.store.notice, notice_id)
        rep = await asyncio.to_thread(self.directory.rep_by_slack_user, slack_user)
        if notice is None or rep is None or rep["id"] != notice.rep_id:
            log.warning("lead button %s clicked by %s, who is not the notified rep", notice_id, slack_user)
            return False
        return await self._settle(notice, state)

    async def sweep_once(self, now: datetime | None = None) -> int:
        """Leads whose SLA ran out without an answer go back to routing."""
        settled = 0
        for notice in await asyncio.to_thread(self.store.overdue_notices, now):
            settled += await self._settle(notice, "expired")
        return settled

    async def _settle(self, notice: Notice, state: str) -> bool:
        if not await asyncio.to_thread(self.store.decide_notice, notice.id, state):
            return False  # already accepted, declined or expired: the callback ran once, elsewhere
        callback = self.on_accept if state == "accepted" else self.on_decline
        if callback is not None:
            try:
                await asyncio.to_thread(callback, notice.lead_id, notice.rep_id)
            except Exception:
                log.exception("lead %s %s callback failed", notice.lead_id, state)
        rep = await asyncio.to_thread(self.directory.rep, notice.rep_id) or {}
        lang = (rep.get("languages") or ["en"])[0]
        if notice.channel and notice.ts:
            try:
                await self.aclient.chat_update(channel=notice.channel, ts=notice.ts, text=WORDS["zh" if lang == "zh"
                                               else "en"][state], blocks=lead_blocks(notice.id, notice.event, lang,
                                                                                     notice.sla_due_at, state))
            except SlackApiError as exc:
                log.info("lead message update failed: %s", exc.response.get("error"))
        return True
