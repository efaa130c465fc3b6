"""The chat-toolbar sidebar (聊天工具栏): an H5 page next to a customer chat, and its API.

The page signs in with the OAuth `code` WeCom appends to its URL; every API call carries the signed
session we issue. A rep only gets anywhere with customers who have added *them* (externalcontact/get
follow_user); then, for a customer in the CRM, the consent policy decides as for the agent's tools: the
rep's accounts and territories, a contact frozen by a data-subject request, and the contact's service
consent for what the call uses (VIEW_CATEGORIES, SUGGEST_CATEGORIES, SEND_CATEGORIES).
What the rep sends to the chat passes the verification policy first; held drafts go to review instead.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from agent.conversations import ConversationStore
from agent.types import Inbound, Reply
from channels.request_bodies import STRICT
from channels.wecom.client import WeComClient, WeComError
from channels.wecom.handler import conversation_id
from channels.wecom.session import RepSession, SessionSigner
from guardrails.verification.policy import review_reasons
from tools.crm.store import CrmStore
from tools.crm.tools import VIEW_CATEGORIES, VIEW_PURPOSE, rep_customer_view
from tools.policy import DataPolicy, Decision, actor_for

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
JS_APIS = ["getCurExternalContact", "sendChatMessage", "getContext"]
# /suggest sends the customer's recent messages to the agent; /send-check is about a text going to the
# customer's chat, their WeCom identity (the outbound check's category); /ask carries nothing of the
# customer's (the agent's tools check what they look up), so only scope and a frozen contact are checked
SUGGEST_CATEGORIES = ("conversation_content",)
# /suggest puts the customer's own words into the rep's request: text the customer controls must not be able
# to make the agent write to the CRM, route or hand over in the rep's name, so that turn only reads
SUGGEST_TOOLS = ("customer_360", "search_accounts", "search_knowledge", "draft_script")
SEND_CATEGORIES = ("contact_details",)
ASK_CATEGORIES: tuple[str, ...] = ()
CITE = re.compile(r"\s*\[\d+\]")
LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d+[.、)])\s*")

PROMPTS = {
    "zh": {"suggest": "客户「{name}」最近的消息：{recent}\n请给我两条可以直接发给客户的简短回复建议，每条一行，以“- ”开头；"
                      "再给一段话术要点。",
           "none": "（没有最近的消息，请建议一条开场白）"},
    "en": {"suggest": "Recent messages from the customer {name}: {recent}\nSuggest two short replies I can send as they "
                      "are, one per line starting with \"- \", then a short talk track.",
           "none": "(no recent message; suggest an opening line)"},
}


def jsapi_signature(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """WeCom JS-SDK: sha1 of jsapi_ticket=…&noncestr=…&timestamp=…&url=… (url without its #fragment)."""
    raw = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url.split('#')[0]}"
    return hashlib.sha1(raw.encode()).hexdigest()  # noqa: S324 - WeCom's scheme


@dataclass
class SidebarDeps:
    client: WeComClient
    signer: SessionSigner
    crm: CrmStore
    conversations: ConversationStore
    ask_agent: Callable[[Inbound], Reply]
    rep_for_user: Callable[[str], str | None]
    consent_status: Callable[[str | None], Mapping[str, Any]]
    policy: DataPolicy
    hold_for_review: Callable[..., int]
    public_url: str
    corp_id: str
    agent_id: str


class SessionIn(BaseModel):
    model_config = STRICT
    code: str = Field(..., min_length=1, max_length=512)


class JsConfigIn(BaseModel):
    model_config = STRICT
    url: str = Field(..., min_length=1, max_length=2048)


class AskIn(BaseModel):
    model_config = STRICT
    external_userid: str = Field("", max_length=128)
    text: str = Field(..., min_length=1, max_length=4000)
    lang: str = Field("zh", pattern="^(zh|en)$")


class SuggestIn(BaseModel):
    model_config = STRICT
    external_userid: str = Field(..., min_length=1, max_length=128)
    lang: str = Field("zh", pattern="^(zh|en)$")


class SendCheckIn(BaseModel):
    model_config = STRICT
    external_userid: str = Field(..., min_length=1, max_length=128)
    text: str = Field(..., min_length=1, max_length=2000)
    source_message_id: int | None = None


class _FollowCache:
    """externalcontact/get answers for a minute: the sidebar asks several times per customer."""

    def __init__(self, ttl_s: float = 60.0):
        self._ttl, self._data, self._lock = ttl_s, {}, threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            hit = self._data.get(key)
            return hit[1] if hit and hit[0] > time.monotonic() else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + self._ttl, value)


def sidebar_router(deps: SidebarDeps) -> APIRouter:
    router = APIRouter(prefix="/wecom/sidebar", tags=["wecom sidebar"])
    profiles = _FollowCache()

    def rep_session(request: Request) -> RepSession:
        auth = request.headers.get("authorization", "")
        who = deps.signer.verify(auth[7:].strip()) if auth.lower().startswith("bearer ") else None
        if who is None:
            raise HTTPException(401, "sign in again: the sidebar session is missing or expired")
        return who

    def followed(who: RepSession, external_userid: str) -> dict[str, Any]:
        """The WeCom profile of a customer, only if this rep is one of the customer's follow users."""
        profile = profiles.get(external_userid)
        if profile is None:
            try:
                profile = deps.client.external_contact(external_userid)
            except WeComError as exc:
                if exc.errcode in (84061, 40096, 40003):
                    raise HTTPException(404, "this customer is not an external contact of ours") from None
                raise HTTPException(502, f"WeCom did not answer (errcode {exc.errcode}); try again") from None
            profiles.put(external_userid, profile)
        if who.userid not in {f.get("userid") for f in profile.get("follow_user", [])}:
            raise HTTPException(403, "this customer has not added you; ask their owner")
        return profile

    @router.get("", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request, lang: str = Query("zh", pattern="^(zh|en)$"), code: str = Query("", max_length=512)):
        here = f"{deps.public_url.rstrip('/')}/wecom/sidebar?lang={lang}"
        oauth = ("https://open.weixin.qq.com/connect/oauth2/authorize?appid=" + quote(deps.corp_id)
                 + "&redirect_uri=" + quote(here, safe="") + "&response_type=code&scope=snsapi_base"
                 + "&agentid=" + quote(deps.agent_id) + "#wechat_redirect")
        resp = TEMPLATES.TemplateResponse(request, "sidebar.html", {"lang": lang, "oauth_url": oauth})
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["Referrer-Policy"] = "no-referrer"  # the OAuth code must not leak to other sites
        return resp

    @router.post("/session")
    def session(body: SessionIn) -> dict[str, Any]:
        """Exchange the OAuth code (one use, from WeCom) for a short-lived signed session."""
        try:
            userid = deps.client.user_from_code(body.code)
        except WeComError as exc:
            raise HTTPException(401, f"WeCom did not accept the sign-in code (errcode {exc.errcode})") from None
        rep_id = deps.rep_for_user(userid)
        if rep_id is None:
            raise HTTPException(403, "your WeCom account is not linked to a sales rep")
        rep = deps.crm.rep(rep_id) or {}
        return {"session": deps.signer.issue(rep_id, userid), "expires_in": deps.signer.ttl_s,
                "rep": {"id": rep_id, "name": rep.get("name", "")}}

    @router.post("/jsconfig")
    def jsconfig(body: JsConfigIn, who: RepSession = Depends(rep_session)) -> dict[str, Any]:
        """Signatures for wx.config / ww.register (corp ticket) and agentConfig (agent ticket)."""
        page_url, ours = urlsplit(body.url), urlsplit(deps.public_url)
        if (page_url.scheme, page_url.netloc) != (ours.scheme, ours.netloc) or not page_url.path.startswith(
                "/wecom/sidebar"):
            raise HTTPException(400, "only the sidebar page's own URL is signed")
        try:
            tickets = {"corp": deps.client.jsapi_ticket("corp"), "agent": deps.client.jsapi_ticket("agent")}
        except WeComError as exc:
            raise HTTPException(502, f"WeCom did not issue a jsapi_ticket (errcode {exc.errcode})") from None
        out: dict[str, Any] = {"corp_id": deps.corp_id, "agent_id": deps.agent_id, "js_api_list": JS_APIS}
        for kind, ticket in tickets.items():
            nonce, ts = secrets.token_hex(8), int(time.time())
            out[kind] = {"timestamp": ts, "nonceStr": nonce, "signature": jsapi_signature(ticket, nonce, ts, body.url)}
        return out

    def decided(who: RepSession, external_userid: str,
                categories: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any] | None, Decision | None]:
        """The customer's WeCom profile, CRM contact and the policy's decision for this rep. Being one of
        the customer's follow users only opens the door: for a contact in the CRM the consent policy then
        decides (the rep's accounts and territories, a frozen contact, the contact's service consent for
        `categories`) and a refusal is a 403 with its reason. A customer not in the CRM (or erased) has no
        record to decide on: no contact and no decision."""
        profile = followed(who, external_userid)
        contact = deps.crm.contact_by_channel("wecom", external_userid)
        if contact is None:
            return profile, None, None
        rep = actor_for("rep", contact_id=None, rep_id=who.rep_id, channel="wecom")
        decision = deps.policy.decide(rep, contact_id=contact["id"], purpose=VIEW_PURPOSE, categories=list(categories))
        if not decision.allowed:
            raise HTTPException(403, decision.reason or "you may not see this customer's record")
        return profile, contact, decision

    @router.get("/customer")
    def customer(external_userid: str = Query(..., min_length=1, max_length=128),
                 who: RepSession = Depends(rep_session)) -> dict[str, Any]:
        """The customer's 360 view, consent status and what consent is missing: what the customer_360 tool
        shows a rep for the same decision (erased contacts stay 'not in CRM', as the tool's found: false)."""
        profile, contact, decision = decided(who, external_userid, VIEW_CATEGORIES)
        view = deps.crm.customer_360(contact["id"]) if contact else None
        consent = dict(deps.consent_status(contact["id"] if contact else None))
        wecom = profile.get("external_contact", {})
        return {"in_crm": view is not None, "wecom": {"name": wecom.get("name", ""),
                                                      "corp_name": wecom.get("corp_name", "")},
                "view": rep_customer_view(view, decision) if view and decision else None, "consent": consent}

    def _ask(who: RepSession, external_userid: str, text: str, tools: tuple[str, ...] | None = None) -> Reply:
        key = f"{who.rep_id}.{external_userid or 'general'}"
        cid = conversation_id("wecom-sb", key)
        # the turn runs as the conversation's rep (scope, audit): record who that is before its first turn
        if deps.conversations.ensure(cid, channel="wecom", persona="rep", channel_user_id=who.userid,
                                     rep_id=who.rep_id).rep_id != who.rep_id:  # started before it was recorded
            deps.conversations.update(cid, rep_id=who.rep_id)
        return deps.ask_agent(Inbound(conversation_id=cid, text=text, channel="wecom",
                                      persona="rep", channel_user_id=who.userid, tools=tools))

    @router.post("/suggest")
    def suggest(body: SuggestIn, who: RepSession = Depends(rep_session)) -> dict[str, Any]:
        """Suggested replies and a talk track for this customer, from the agent (rep persona). The customer's
        recent messages go to the agent only if the policy lets this rep use them."""
        profile, _, _ = decided(who, body.external_userid, SUGGEST_CATEGORIES)
        recent = [m.text for m in deps.conversations.messages(conversation_id("wecom", body.external_userid))
                  if m.role == "customer"][-3:]
        words = PROMPTS[body.lang]
        name = profile.get("external_contact", {}).get("name", "")
        reply = _ask(who, body.external_userid, words["suggest"].format(
            name=name, recent=" / ".join(recent) if recent else words["none"]), tools=SUGGEST_TOOLS)
        return {**_reply(reply), "suggestions": suggestions(reply.text)}

    @router.post("/ask")
    def ask(body: AskIn, who: RepSession = Depends(rep_session)) -> dict[str, Any]:
        """A free-form question from the rep to the agent."""
        if body.external_userid:
            decided(who, body.external_userid, ASK_CATEGORIES)
        return _reply(_ask(who, body.external_userid, body.text))

    @router.post("/send-check")
    def send_check(body: SendCheckIn, who: RepSession = Depends(rep_session)) -> dict[str, Any]:
        """May this text go to the customer's chat as it is? If not, it waits for a reviewer instead."""
        _, contact, _ = decided(who, body.external_userid, SEND_CATEGORIES)
        evidence = ""
        if body.source_message_id is not None:
            sidebar_convo = conversation_id("wecom-sb", f"{who.rep_id}.{body.external_userid}")
            msg = next((m for m in deps.conversations.messages(sidebar_convo) if m.id == body.source_message_id), None)
            if msg is None:
                raise HTTPException(404, "that suggestion is not from your conversation about this customer")
            evidence = "\n".join(c.get("quote", "") for c in msg.citations)
        verdict = review_reasons(body.text, evidence=evidence, persona="customer")
        if not verdict.needs_review:
            return {"allowed": True, "reasons": []}
        review_id = deps.hold_for_review(conversation_id=conversation_id("wecom", body.external_userid),
                                         draft=body.text, reasons=verdict.reasons,
                                         contact_id=contact["id"] if contact else None, channel="wecom")
        return {"allowed": False, "reasons": verdict.reasons, "review_id": review_id}

    return router


def suggestions(text: str) -> list[str]:
    """Sendable lines from the agent's answer: list items if it made a list, else the whole answer."""
    items = [CITE.sub("", LIST_ITEM.sub("", line)).strip() for line in text.splitlines() if LIST_ITEM.match(line)]
    items = [i for i in items if i]
    return items[:3] if items else [CITE.sub("", text).strip()]


def _reply(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "status": reply.status, "citations": reply.citations, "message_id": reply.message_id,
            "reasons": reply.reasons}
