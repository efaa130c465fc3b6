"""The HTTP application: FastAPI app factory, error shapes, limits and health probes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.turns import ConversationBusy
from app.container import Container
from channels.review.metrics import review_metrics
from channels.web.access import KEY_HEADER
from channels.web.api import web_chat_router
from channels.web.audit_api import audit_router
from channels.web.consent_api import consent_router
from channels.web.console import console_router
from channels.web.dsr_api import dsr_router
from channels.web.metrics import MetricsRegistry, metrics_router
from channels.web.pages import pages_router
from channels.web.review_api import review_api_router
from channels.web.usage_api import usage_metrics, usage_router
from channels.web.widget import widget_router
from guardrails.verification.stats import flow_stats

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024


class BodyLimit:
    """Refuse request bodies over the limit before anything reads them (pure ASGI, works with streams)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > self.limit:
                return await _too_large(self.limit, scope, send)
            return await self.app(scope, receive, send)  # the server stops a body at its declared length
        # No length (Transfer-Encoding: chunked): read the body here, counting, so that an oversize one is
        # refused with 413 rather than failing in the middle of the app's parsing. At most limit bytes wait.
        buffered: list[dict[str, Any]] = []
        seen = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.limit:
                return await _too_large(self.limit, scope, send)
            if not message.get("more_body"):
                break

        async def replay() -> dict[str, Any]:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


async def _too_large(limit: int, scope: Scope, send: Send) -> None:
    body = _error(413, f"request body is larger than {limit} bytes")

    async def no_body() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    await body(scope, no_body, send)


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message, **extra}}, status_code=status)


def create_app(container: Container) -> FastAPI:
    s = container.settings
    slack = container.slack if s.slack_configured else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The in-process delivery worker; at scale turn it off and run `salesagent worker` processes.
        worker = container.start_worker() if s.outbox_in_process else None
        if slack is not None:  # periodic review sync / SLA sweep, and Socket Mode when configured
            await slack.start()
        try:
            yield
        finally:
            if slack is not None:
                await slack.stop()
            if worker is not None:
                worker.stop()

    # fastapi-offline serves /docs and /redoc from files in its wheel: FastAPI's own pages load them from a CDN,
    # which an offline machine cannot reach (a blank page)
    app = FastAPIOffline(title="salesagent", version="0.1.0", lifespan=lifespan,
                         description="Conversational sales agent: grounded answers with sources, reviewer queue.")
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    if s.widget_allowed_origins:  # sites embedding widget.js call the chat API from their own origin
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=s.widget_allowed_origins, allow_methods=["GET", "POST"],
                           allow_headers=["content-type", KEY_HEADER], expose_headers=[KEY_HEADER], max_age=600)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(ConversationBusy)
    async def busy(_: Request, exc: ConversationBusy) -> JSONResponse:
        # any route running a turn (the WeCom sidebar, say) while another turn of it runs elsewhere
        return _error(409, "another reply is still being written in this conversation; try again when it is done")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method in {"POST", "PUT", "PATCH"} and ctype != "application/json" and \
                any(e.get("loc", ("",))[0] == "body" for e in exc.errors()):
            return _error(415, f"send JSON with content-type application/json (got {ctype or 'none'!r})")
        problems = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                return _error(422, "the request body is not valid JSON")
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return _error(422, "; ".join(problems) or "invalid request")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        """Dependencies answer: database, knowledge base, model."""
        checks: dict[str, str] = {}
        try:
            with container.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports, never raises
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            checks["knowledge"] = f"ok ({container.kb.count('public')} public chunks)"
        except Exception as exc:
            checks["knowledge"] = f"error: {type(exc).__name__}"
        checks["model"] = container.model.name if "model" in container.__dict__ else "not loaded"
        ok = all(not v.startswith("error") for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "degraded", "checks": checks}, status_code=200 if ok else 503)

    app.include_router(web_chat_router(container.runner, container.conversations, container.web_access,
                                       s.max_message_chars))
    company = container.runner.config.company
    app.include_router(pages_router(company, s.max_message_chars))
    app.include_router(console_router(container.desk, container.conversations, container.tokens,
                                      container.staff_inbox, lambda: flow_stats(container.engine), company,
                                      s.cookie_secure))
    app.include_router(review_api_router(container.desk, container.conversations, container.tokens))
    metrics = MetricsRegistry()
    metrics.add("review", review_metrics(container.engine, container.breaker, container.outbox))
    metrics.add("llm_usage", lambda: usage_metrics(container.usage))
    app.state.metrics = metrics  # other packages add their contributors here
    app.include_router(metrics_router(metrics))
    app.include_router(consent_router(policy=container.policy, ledger=container.consents,
                                      offers=container.consent_offers, tokens=container.tokens,
                                      conversations=container.conversations, access=container.web_access))
    app.include_router(dsr_router(container.dsr, container.tokens))
    app.include_router(usage_router(container.usage, container.conversations, container.tokens))
    app.include_router(audit_router(container.audit, container.tokens))
    app.include_router(widget_router(container.record_consent, container.web_access))
    if s.wecom_configured:
        from channels.wecom.routes import callback_router

        app.include_router(callback_router(container.wecom.start().callback))
        if s.wecom_secret.get_secret_value():
            app.include_router(_sidebar(container))
    if slack is not None and not s.slack_socket_mode:  # /slack/events, /slack/interactions, /slack/commands
        app.include_router(slack.router())
    return app


def _sidebar(container: Container):  # noqa: ANN202 - APIRouter
    from channels.wecom.session import SessionSigner
    from channels.wecom.sidebar import SidebarDeps, sidebar_router

    s, wecom = container.settings, container.wecom

    def hold_for_review(**item: Any) -> int:
        return container.queue.enqueue(**item).id

    return sidebar_router(SidebarDeps(
        client=wecom.client, signer=SessionSigner(s.wecom_secret.get_secret_value()), crm=container.crm,
        conversations=container.conversations, ask_agent=container.runner.handle,
        rep_for_user=container.rep_for_wecom_user, consent_status=container.consent_status, policy=container.policy,
        hold_for_review=hold_for_review, public_url=s.public_url, corp_id=s.wecom_corp_id, agent_id=s.wecom_agent_id))
