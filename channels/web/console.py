"""The reviewer console at `/review`: server-rendered pages, plain forms, a few keyboard shortcuts.

Sign-in takes a token; only the reviewer and admin roles get in. Every action goes through the review
desk, the same service the JSON API and the Slack buttons use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from agent.conversations import ConversationStore
from channels.outbox import StaffInbox
from channels.review import ReviewDesk
from channels.web.auth import COOKIE, principal_of
from guardrails.access import Principal, TokenStore
from guardrails.verification.queue import DECIDED, OPEN, Conflict, NotFound, QueueError
from guardrails.verification.stats import FlowStats
from tools.sqlbase import utcnow

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"console.css": "text/css", "console.js": "text/javascript"}


def console_router(desk: ReviewDesk, conversations: ConversationStore, tokens: TokenStore, inbox: StaffInbox,
                   stats: Callable[[], list[FlowStats]], company: str, cookie_secure: str = "auto") -> APIRouter:
    """`cookie_secure`: true | false | auto (the request came over HTTPS; behind a TLS-terminating proxy only when
    uvicorn trusts its X-Forwarded-Proto, FORWARDED_ALLOW_IPS; else set true)."""
    router = APIRouter(include_in_schema=False)

    def secure(request: Request) -> bool:
        return cookie_secure == "true" or (cookie_secure == "auto" and request.url.scheme == "https")

    queue = desk.queue

    def page(request: Request, name: str, who: Principal, status_code: int = 200, **ctx: Any) -> Response:
        tripped = [h for h in desk.breaker.states() if h.always_review]
        return TEMPLATES.TemplateResponse(request, name, {"company": company, "who": who, "tripped": tripped,
                                                          "now": utcnow(), "flash": request.query_params.get("flash", ""),
                                                          **ctx}, status_code=status_code)

    def signed_in(request: Request) -> Principal | Response:
        who = principal_of(request, tokens)
        if who is None:
            return TEMPLATES.TemplateResponse(request, "signin.html", {"error": ""}, status_code=401)
        if not who.has("reviewer"):
            return TEMPLATES.TemplateResponse(request, "signin.html", {"error": f"The {who.role} role cannot review; "
                                              "sign in with a reviewer or admin token."}, status_code=403)
        return who

    @router.get("/review/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404, "no such file")
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name])

    @router.get("/review", response_class=HTMLResponse)
    def review_list(request: Request, status: str = "open", kind: str = "", flow: str = "", only: str = "") -> Response:
        who = signed_in(request)
        if isinstance(who, Response):
            return who
        statuses = {"open": OPEN, "all": None}.get(status, (status,) if status in (*OPEN, *DECIDED) else OPEN)
        items = queue.list(statuses=statuses, kind=kind or None, flow=flow or None,
                           assigned_to=who.subject if only == "mine" else None, overdue=only == "overdue")
        open_items = queue.list(statuses=OPEN, limit=10_000)
        now = utcnow()
        counts = {"pending": sum(i.status == "pending" for i in open_items),
                  "claimed": sum(i.status == "claimed" for i in open_items),
                  "overdue": sum(i.overdue(now) for i in open_items)}
        recipients = ("reviewers", f"reviewer:{who.subject}", *(("admins",) if who.role == "admin" else ()))
        return page(request, "review.html", who, items=items, flows=queue.flows(), counts=counts, stats=stats(),
                    health={h.flow: h for h in desk.breaker.states()}, notes=inbox.unread(recipients, 10),
                    f={"status": status, "kind": kind, "flow": flow, "only": only})

    @router.get("/review/items/{item_id}", response_class=HTMLResponse)
    def review_item(request: Request, item_id: int, error: str = "", status_code: int = 200) -> Response:
        who = signed_in(request)
        if isinstance(who, Response):
            return who
        it = queue.get(item_id)
        if it is None:
            return page(request, "review.html", who, 404, items=[], flows=[], stats=[], health={}, notes=[],
                        counts={"pending": 0, "claimed": 0, "overdue": 0}, error=f"No review item {item_id}.",
                        f={"status": "open", "kind": "", "flow": "", "only": ""})
        health = {h.flow: h for h in desk.breaker.states()}.get(it.flow)
        return page(request, "review_item.html", who, status_code, it=it, error=error,
                    messages=conversations.messages(it.conversation_id),
                    consent=desk.consent_status(it.contact_id, it.channel), flow_health=health,
                    deliveries=desk.outbox.by_source(f"review_item:{it.id}"))

    def after(item_id: int, message: str) -> Response:
        return RedirectResponse(f"/review?flash={_q(message)}", status_code=303)

    @router.post("/review/items/{item_id}/decide")
    def decide(request: Request, item_id: int, decision: str = Form(...), text: str | None = Form(None),
               args: str | None = Form(None), reason: str = Form("")) -> Response:
        who = signed_in(request)
        if isinstance(who, Response):
            return who
        try:
            parsed = None
            if args is not None:
                try:
                    parsed = json.loads(args)
                except json.JSONDecodeError as exc:
                    raise QueueError(f"the arguments are not valid JSON: {exc.msg} at line {exc.lineno}") from None
            item = desk.decide(who, item_id, decision, text=text, args=parsed, reason=reason)
        except NotFound as exc:
            return review_item(request, item_id, error=str(exc), status_code=404)
        except Conflict as exc:
            return review_item(request, item_id, error=str(exc), status_code=409)
        except QueueError as exc:
            return review_item(request, item_id, error=str(exc), status_code=422)
        return after(item_id, f"Item #{item.id} {item.status}.")

    @router.post("/review/items/{item_id}/claim")
    def claim(request: Request, item_id: int) -> Response:
        who = signed_in(request)
        if isinstance(who, Response):
            return who
        got = desk.claim(who, item_id)
        if got is None:
            return review_item(request, item_id, error="Someone else holds this item, or it is closed.", status_code=409)
        return RedirectResponse(f"/review/items/{item_id}", status_code=303)

    @router.post("/review/items/{item_id}/release")
    def release(request: Request, item_id: int) -> Response:
        who = signed_in(request)
        if isinstance(who, Response):
            return who
        desk.release(who, item_id)
        return after(item_id, f"Item #{item_id} is back in the queue.")

    @router.post("/review/items/{item_id}/reassign")
    def reassign(request: Request, item_id: int, to: str = Form(...)) -> Response:
        who = signed_in(request)
        if isinstance(who, Response):
            return who
        try:
            desk.reassign(who, item_id, to)
        except QueueError as exc:
            return review_item(request, item_id, error=str(exc), status_code=409)
        return after(item_id, f"Item #{item_id} reassigned to {to.strip()}.")

    @router.post("/review/next")
    def take_next(request: Request) -> Response:
        who = signed_in(request)
        if isinstance(who, Response):
            return who
        got = desk.claim(who)
        if got is None:
            return RedirectResponse(f"/review?flash={_q('Nothing is waiting for you.')}", status_code=303)
        return RedirectResponse(f"/review/items/{got.id}", status_code=303)

    @router.post("/review/signin")
    def sign_in(request: Request, token: str = Form("")) -> Response:
        who = tokens.authenticate(token.strip())
        if who is None:
            return TEMPLATES.TemplateResponse(request, "signin.html", {"error": "Wrong token."}, status_code=401)
        if not who.has("reviewer"):
            return TEMPLATES.TemplateResponse(request, "signin.html", {"error": f"The {who.role} role cannot review; "
                                              "sign in with a reviewer or admin token."}, status_code=403)
        resp = RedirectResponse("/review", status_code=303)
        resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", secure=secure(request))
        return resp

    @router.post("/review/signout")
    def sign_out(request: Request) -> Response:
        resp = RedirectResponse("/review", status_code=303)
        resp.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure(request))
        return resp

    return router


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text)
