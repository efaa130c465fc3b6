"""Review in Slack: queue items posted to the reviewers channel with Approve / Edit / Reject; the message
shows who decided. Decisions go through `ReviewDecisions`, the same calls any other console uses."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent.conversations import ConversationStore
from channels.slack.decisions import Outcome, ReviewDecisions
from channels.slack.directory import Directory
from channels.slack.store import SlackStore
from channels.slack.tasks import Background
from channels.slack.text import context, escape_mrkdwn, section, truncate
from guardrails.verification.queue import QueuedDraft, ReviewQueue

log = logging.getLogger(__name__)
EDIT_LIMIT = 3000  # plain_text_input holds at most 3,000 characters
VERB = {"approved": "✅ Approved", "edited": "✏️ Edited and sent", "rejected": "🚫 Rejected"}


def who(by: str) -> str:
    """A decider for display: Slack users as a mention (our own markup), anyone else escaped."""
    if by.startswith("slack:") and by[6:].isalnum():
        return f"<@{by[6:]}>"
    return escape_mrkdwn(by or "someone")


def item_blocks(item: QueuedDraft, asked: str = "", decided: Outcome | None = None) -> list[dict[str, Any]]:
    handoff = not item.draft.strip()
    title = f"{'Handoff' if handoff else 'Review'} #{item.id}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        context(f"conversation `{escape_mrkdwn(item.conversation_id)}` · {escape_mrkdwn(item.channel)}"
                + (f" · contact {escape_mrkdwn(item.contact_id)}" if item.contact_id else "")),
    ]
    if asked:
        blocks.append(section("*Customer asked*\n" + truncate(asked, 1200)))
    shown = decided.text if decided and decided.text else item.draft
    blocks.append(section(("*Sent*\n" if decided and decided.text else "*Draft*\n")
                          + (truncate(shown, 2900) if shown.strip() else "_(no draft: the model gave no usable answer)_")))
    if item.reasons:
        blocks.append(context(truncate("Why: " + " · ".join(item.reasons), 2900)))
    if decided is not None:
        blocks.append(context(f"{VERB.get(decided.status, decided.status)} by {who(decided.by)}"))
        return blocks
    value = str(item.id)
    buttons = [] if handoff else [{"type": "button", "action_id": "review_approve", "style": "primary", "value": value,
                                   "text": {"type": "plain_text", "text": "Approve"}}]
    buttons += [{"type": "button", "action_id": "review_edit", "value": value,
                 "text": {"type": "plain_text", "text": "Write reply" if handoff else "Edit"}},
                {"type": "button", "action_id": "review_reject", "style": "danger", "value": value,
                 "text": {"type": "plain_text", "text": "Dismiss" if handoff else "Reject"}}]
    blocks.append({"type": "actions", "block_id": f"review_{item.id}", "elements": buttons})
    return blocks


def edit_modal(item: QueuedDraft) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "text", "multiline": True,
                               "max_length": EDIT_LIMIT}
    if item.draft.strip():
        element["initial_value"] = item.draft[:EDIT_LIMIT]
    return {"type": "modal", "callback_id": "review_edit_submit", "private_metadata": json.dumps({"item_id": item.id}),
            "title": {"type": "plain_text", "text": f"Reply #{item.id}"},
            "submit": {"type": "plain_text", "text": "Send"}, "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{"type": "input", "block_id": "reply", "element": element,
                        "label": {"type": "plain_text", "text": "Reply to the customer"}}]}


def reject_modal(item: QueuedDraft) -> dict[str, Any]:
    return {"type": "modal", "callback_id": "review_reject_submit",
            "private_metadata": json.dumps({"item_id": item.id}),
            "title": {"type": "plain_text", "text": f"Reject #{item.id}"},
            "submit": {"type": "plain_text", "text": "Reject"}, "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{"type": "input", "block_id": "reason", "optional": True,
                        "label": {"type": "plain_text", "text": "Why (kept with the item)"},
                        "element": {"type": "plain_text_input", "action_id": "text", "max_length": 500}}]}


def pending_for_rep(queue: ReviewQueue, conversations: ConversationStore, directory: Directory,
                    rep_id: str, limit: int = 20) -> list[QueuedDraft]:
    """Pending items in the rep's own conversations or about contacts of accounts the rep owns."""
    mine = []
    for item in queue.pending(limit=500):
        convo = conversations.get(item.conversation_id)
        if (convo is not None and convo.rep_id == rep_id) or \
                (item.contact_id and directory.account_owner_of_contact(item.contact_id) == rep_id):
            mine.append(item)
            if len(mine) >= limit:
                break
    return mine


class ReviewBoard:
    def __init__(self, client: AsyncWebClient, decisions: ReviewDecisions, queue: ReviewQueue,
                 conversations: ConversationStore, store: SlackStore, background: Background, channel: str):
        self.client, self.decisions, self.queue = client, decisions, queue
        self.conversations, self.store, self.background, self.channel = conversations, store, background, channel

    def register(self, app: AsyncApp) -> None:
        app.action("review_approve")(self._approve)
        app.action("review_edit")(self._open_modal)
        app.action("review_reject")(self._open_modal)
        app.view("review_edit_submit")(self._edit_submitted)
        app.view("review_reject_submit")(self._reject_submitted)

    # -- posting --------------------------------------------------------------------------------

    async def sync_once(self) -> int:
        """Post pending items not yet in the channel; close messages of items decided elsewhere."""
        if not self.channel:
            return 0
        items = await asyncio.to_thread(self.queue.pending, 50)
        seen = await asyncio.to_thread(self.store.posted_item_ids, [i.id for i in items])
        posted = 0
        for item in items:
            if item.id not in seen and await self.post(item):
                posted += 1
        pending = {i.id for i in items}
        for post in await asyncio.to_thread(self.store.open_review_posts):
            if post["item_id"] in pending:
                continue
            item = await asyncio.to_thread(self.queue.get, post["item_id"])
            if item is not None and item.status != "pending":
                await self._close(item, Outcome(True, item.id, item.status, item.decided_by, item.final_text))
        return posted

    async def post(self, item: QueuedDraft) -> bool:
        if not await asyncio.to_thread(self.store.claim_review_post, item.id, self.channel):
            return False
        try:
            asked = await asyncio.to_thread(self._asked, item)
            r = await self.client.chat_postMessage(channel=self.channel, text=f"Review #{item.id} is waiting",
                                                   blocks=item_blocks(item, asked), unfurl_links=False)
        except Exception:
            log.exception("could not post review item %s to Slack; will retry", item.id)
            await asyncio.to_thread(self.store.unclaim_review_post, item.id)
            return False
        await asyncio.to_thread(self.store.posted, item.id, r["ts"])
        return True

    def _asked(self, item: QueuedDraft) -> str:
        """The customer message the draft answers (the last one before it)."""
        asked = ""
        for m in self.conversations.messages(item.conversation_id):
            if item.message_id is not None and m.id >= item.message_id:
                break
            if m.role == "customer":
                asked = m.text
        return asked

    async def _close(self, item: QueuedDraft, outcome: Outcome) -> None:
        """Show the decision on the reviewers' message, once."""
        if not await asyncio.to_thread(self.store.close_review_post, item.id):
            return
        post = await asyncio.to_thread(self.store.review_post, item.id)
        asked = await asyncio.to_thread(self._asked, item)
        await self.client.chat_update(channel=post["channel"], ts=post["ts"], text=f"Review #{item.id}: {outcome.status}",
                                      blocks=item_blocks(item, asked, decided=outcome))

    # -- buttons and modals -----------------------------------------------------------------------

    def _allowed(self, body: dict[str, Any]) -> bool:
        # Channel membership is the access control: only people in the reviewers channel see the buttons.
        return (body.get("channel") or {}).get("id") == self.channel

    async def _approve(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        if not self._allowed(body):
            return log.warning("review action from outside the reviewers channel ignored")
        self.background.spawn(self.decide(int(action["value"]), body["user"]["id"], "approve"), "slack-approve")

    async def _open_modal(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        if not self._allowed(body):
            return log.warning("review action from outside the reviewers channel ignored")
        self.background.spawn(self.open_modal(int(action["value"]), action["action_id"], body["user"]["id"],
                                              body["trigger_id"]), "slack-modal")

    async def open_modal(self, item_id: int, action_id: str, user: str, trigger_id: str) -> None:
        item = await asyncio.to_thread(self.queue.get, item_id)
        if item is None or item.status != "pending":
            return await self._tell(user, f"Review #{item_id} is already decided.")
        view = edit_modal(item) if action_id == "review_edit" else reject_modal(item)
        await self.client.views_open(trigger_id=trigger_id, view=view)  # the trigger lives 3 s from the click

    async def _edit_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = ((view["state"]["values"].get("reply") or {}).get("text") or {}).get("value") or ""
        if not text.strip():
            return await ack(response_action="errors", errors={"reply": "Write the reply to send."})
        await ack()
        item_id = int(json.loads(view["private_metadata"])["item_id"])
        self.background.spawn(self.decide(item_id, body["user"]["id"], "edit", text), "slack-edit")

    async def _reject_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        reason = ((view["state"]["values"].get("reason") or {}).get("text") or {}).get("value") or ""
        item_id = int(json.loads(view["private_metadata"])["item_id"])
        self.background.spawn(self.decide(item_id, body["user"]["id"], "reject", reason), "slack-reject")

    async def decide(self, item_id: int, user: str, verb: str, text: str = "") -> Outcome:
        by = f"slack:{user}"
        if await asyncio.to_thread(self.store.review_post, item_id) is None:
            outcome = Outcome(False, item_id, error="this item was never posted for review in Slack")
        elif verb == "approve":
            outcome = await asyncio.to_thread(self.decisions.approve, item_id, by)
        elif verb == "edit":
            outcome = await asyncio.to_thread(self.decisions.edit, item_id, by, text)
        else:
            outcome = await asyncio.to_thread(self.decisions.reject, item_id, by, text)
        item = await asyncio.to_thread(self.queue.get, item_id)
        if outcome.ok and item is not None:
            await self._close(item, outcome)
        if outcome.error:
            await self._tell(user, f"Review #{item_id}: {outcome.error}")
        return outcome

    async def _tell(self, user: str, text: str) -> None:
        try:
            await self.client.chat_postEphemeral(channel=self.channel, user=user, text=escape_mrkdwn(text))
        except SlackApiError as exc:
            log.info("could not tell %s: %s", user, exc.response.get("error"))
