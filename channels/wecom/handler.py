"""What happens after the ack: run the agent in a worker thread and send its reply exactly once.

Two kinds of sender reach us through the callback:
- members (reps) writing to our app: rep persona, the reply goes back as an app message (paced);
- customers (external WeChat users) through WeCom customer service (微信客服): the callback only says
  "there are messages" (`kf_msg_or_event`); we pull them with kf/sync_msg and answer with kf/send_msg.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from agent.conversations import ConversationStore
from agent.turns import ConversationBusy
from agent.types import Inbound, Reply
from channels.outbox import OutboundMessage, PermanentDeliveryError, Receipt
from channels.outbox.record import record_sent
from channels.wecom.client import WeComClient
from channels.wecom.pacing import Clock, RealClock
from channels.wecom.sender import WeComMessage, WeComSender
from channels.wecom.store import WeComStore

log = logging.getLogger(__name__)
HandleInbound = Callable[[Inbound], Reply]
BUSY = {"en": "Sorry, the answer before this one took too long, so I couldn't answer this message. Please send it "
              "again.",
        "zh": "抱歉，上一个回答耗时过长，我没能回复这条消息，请重新发送。"}


def conversation_id(prefix: str, user: str) -> str:
    """A conversation id within the web API's pattern (≤ 64 chars, safe characters)."""
    cid = f"{prefix}-{user}"
    if len(cid) <= 64 and all(c.isalnum() or c in "_.:-" for c in user):
        return cid
    return f"{prefix}-h{hashlib.sha256(user.encode()).hexdigest()[:40]}"


class WeComHandler:
    def __init__(self, *, handle_inbound: HandleInbound, sender: WeComSender, client: WeComClient,
                 store: WeComStore, rep_for_user: Callable[[str], str | None], clock: Clock | None = None,
                 workers: int = 2):
        self.handle_inbound, self.sender, self.client, self.store = handle_inbound, sender, client, store
        self.rep_for_user = rep_for_user
        self.clock = clock or RealClock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wecom-agent")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()
        self._kf_lock = threading.Lock()

    # -- called by the callback after it acknowledged ---------------------------------------------

    def dispatch(self, key: str, fields: dict[str, str]) -> None:
        future = self._pool.submit(self._process, key, fields)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """For tests and shutdown: wait until every dispatched message was processed."""
        import concurrent.futures as cf

        with self._lock:
            pending = list(self._pending)
        done, not_done = cf.wait(pending, timeout=timeout)
        return not not_done

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    # -- processing ---------------------------------------------------------------------------------

    def _process(self, key: str, fields: dict[str, str]) -> None:
        try:
            if fields.get("MsgType") == "event" and fields.get("Event") == "kf_msg_or_event":
                self._sync_customer_service(fields.get("Token", ""), fields.get("OpenKfId", ""))
                self.store.mark_inbound(key, "done")
            elif fields.get("MsgType") == "text":
                self._member_text(key, fields)
            else:
                self.store.mark_inbound(key, "ignored")
        except Exception:
            log.exception("WeCom message %s failed", key)
            self.store.mark_inbound(key, "failed")

    def _member_text(self, key: str, fields: dict[str, str]) -> None:
        userid = fields.get("FromUserName", "")
        rep_id = self.rep_for_user(userid)
        if rep_id is None:  # least privilege: only known reps may talk to the agent through the app
            log.info("WeCom message from a member who is not a rep ignored")
            self.store.mark_inbound(key, "ignored")
            return
        cid = conversation_id("wecom-rep", userid)
        self.store.mark_inbound(key, "processing", conversation_id=cid)
        reply = self._run(Inbound(conversation_id=cid, text=fields.get("Content", ""), channel="wecom",
                                  persona="rep", channel_user_id=userid, channel_message_id=key))
        if reply is None:
            self.store.mark_inbound(key, "duplicate")
            return
        self.sender.deliver(WeComMessage(userid, reply.text), f"reply:{key}")
        self.store.mark_inbound(key, "busy" if reply.status == "busy" else "replied")

    def _sync_customer_service(self, token: str, open_kfid: str) -> None:
        with self._kf_lock:  # one puller at a time keeps the cursor consistent
            state_key = f"kf_cursor:{open_kfid}"
            cursor = self.store.get_state(state_key)
            while True:
                page = self.client.kf_sync(token=token, cursor=cursor, open_kfid=open_kfid)
                for msg in page.get("msg_list", []):
                    self._customer_message(msg)
                cursor = str(page.get("next_cursor", cursor))
                self.store.set_state(state_key, cursor)
                if not int(page.get("has_more", 0)):
                    break

    def _customer_message(self, msg: dict[str, Any]) -> None:
        if msg.get("origin") != 3 or msg.get("msgtype") != "text":  # 3 = sent by the customer
            return
        external, kfid = str(msg.get("external_userid", "")), str(msg.get("open_kfid", ""))
        key = f"kf:{msg.get('msgid', '')}"
        if not external or not kfid or not self.store.claim(key, "kf_text", external, self.clock.now()):
            return
        cid = conversation_id("wecom", external)
        self.store.mark_inbound(key, "processing", conversation_id=cid, open_kfid=kfid)
        text = str((msg.get("text") or {}).get("content", ""))
        reply = self._run(Inbound(conversation_id=cid, text=text, channel="wecom", persona="customer",
                                  channel_user_id=external, channel_message_id=key))
        if reply is None:
            self.store.mark_inbound(key, "duplicate")
            return
        self.sender.deliver(WeComMessage(external, reply.text, kfid), f"reply:{key}")
        self.store.mark_inbound(key, "busy" if reply.status == "busy" else "replied")

    def _run(self, inbound: Inbound) -> Reply | None:
        if not inbound.text.strip():
            return None
        try:
            return self.handle_inbound(inbound)
        except ConversationBusy:
            # the turn before kept the conversation past the (long) wait; nothing was stored, so the sender
            # is told to send again rather than never hearing back
            log.error("WeCom turn in %s gave up waiting for the turn before it", inbound.conversation_id)
            lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in inbound.text) else "en"
            return Reply(inbound.conversation_id, 0, BUSY[lang], "busy", [], ["conversation busy"], lang)
        except Exception as exc:
            if type(exc).__name__ == "DuplicateMessage":  # the runner already has this message
                return None
            raise


class WeComAdapter:
    """The outbox's channel adapter for WeCom: hands a reply to WeCom's own paced send queue, which is
    idempotent by key (one queue row per outbox key) and keeps to WeCom's per-member limits."""

    channel = "wecom"

    def __init__(self, sender: WeComSender, store: WeComStore, conversations: ConversationStore | None = None):
        self.sender, self.store, self.conversations = sender, store, conversations

    def deliver(self, message: OutboundMessage) -> Receipt:
        cid = str(message.payload.get("conversation_id") or message.recipient)
        text = str(message.payload.get("text") or "")
        if not text.strip():
            raise PermanentDeliveryError("nothing to deliver: empty text")
        try:
            row = self.deliver_to_conversation(cid, text, message.key)
        except LookupError as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        if self.conversations is not None:
            record_sent(self.conversations, message, f"wecom:{row.id}")
        return Receipt(f"wecom:{row.id}", detail={"queue_status": row.status})

    def deliver_to_conversation(self, conversation_id: str, text: str, idempotency_key: str):  # noqa: ANN201
        route = self.store.route(conversation_id)
        if route is None:
            raise LookupError(f"no WeCom conversation {conversation_id!r}")
        to_user, kfid = route
        return self.sender.deliver(WeComMessage(to_user, text, kfid), idempotency_key)

