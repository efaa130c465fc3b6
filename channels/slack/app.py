"""The Slack channel assembled: Bolt app, Web API clients, listeners, HTTP routes, Socket Mode, and the
periodic work (review queue sync, lead SLA sweep, forgetting old request ids).

Everything from other packages comes in through the constructor, so `app` decides the wiring.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine

from agent.conversations import ConversationStore
from agent.runner import Runner
from channels.slack.commands import CreateLead, RouteLead, SalesCommand
from channels.slack.config import SlackConfig
from channels.slack.decisions import ReviewDecisions
from channels.slack.delivery import SlackAdapter
from channels.slack.directory import Directory
from channels.slack.guard import RequestGuard
from channels.slack.home import AppHome
from channels.slack.identity import Identity
from channels.slack.leads import LeadCallback, LeadNotifier
from channels.slack.review import ReviewBoard
from channels.slack.store import SlackStore
from channels.slack.tasks import Background
from channels.slack.threads import ThreadHandlers
from channels.slack.turns import TurnRunner
from guardrails.verification.queue import ReviewQueue

log = logging.getLogger(__name__)
PATHS = ("/slack/events", "/slack/interactions", "/slack/commands")
RATE_LIMIT_RETRIES = 3


def web_clients(config: SlackConfig) -> tuple[AsyncWebClient, WebClient]:
    """Async client for listeners, blocking client for callers outside the event loop; both honour
    429 Retry-After and retry dropped connections."""
    base = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    aclient = AsyncWebClient(token=config.bot_token, base_url=base, retry_handlers=[
        AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)])
    client = WebClient(token=config.bot_token, base_url=base, retry_handlers=[
        ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)])
    return aclient, client


class SlackChannel:
    def __init__(self, config: SlackConfig, *, engine: Engine, runner: Runner, conversations: ConversationStore,
                 queue: ReviewQueue, directory: Directory, decisions: ReviewDecisions,
                 create_lead: CreateLead | None = None, route_lead: RouteLead | None = None,
                 on_decline: LeadCallback | None = None, on_accept: LeadCallback | None = None):
        self.config = config
        self.store = SlackStore(engine)
        self.client, self.sync_client = web_clients(config)
        self.background = Background(config.max_concurrent_turns)
        self.identity = Identity(self.client, directory)
        self.turns = TurnRunner(self.client, runner, conversations, self.background, config)
        self.adapter = SlackAdapter(self.sync_client, self.store, conversations)  # the outbox delivers Slack messages through it
        self.decisions = decisions
        self.threads = ThreadHandlers(self.turns, self.identity, conversations, self.background, config)
        self.review = ReviewBoard(self.client, self.decisions, queue, conversations, self.store, self.background,
                                  config.reviewers_channel)
        self.leads = LeadNotifier(self.sync_client, self.client, self.store, directory, self.background,
                                  on_decline=on_decline, on_accept=on_accept)
        self.command = SalesCommand(self.client, self.identity, self.turns, queue, conversations, directory,
                                    self.background, create_lead, route_lead, config.max_message_chars)
        self.home = AppHome(self.client, self.identity, directory, self.store, queue, conversations, self.background,
                            self.command, config.console_url)
        self.guard = RequestGuard(self.store)
        self._auth: AuthorizeResult | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._socket: Any = None
        self.app = AsyncApp(
            name="salesagent", client=self.client, signing_secret=config.signing_secret,
            request_verification_enabled=bool(config.signing_secret) or not config.socket_mode,
            authorize=self._authorizer(), before_authorize=self.guard,
            # Listeners only ack and hand work to `background`, so answering after them is still fast
            # and the ack never depends on an untracked task.
            process_before_response=True)
        for part in (self.threads, self.review, self.leads, self.command, self.home):
            part.register(self.app)

    # -- the Slack lead routing calls -------------------------------------------------------------

    def notify(self, rep_id: str, event: dict[str, Any]) -> bool:
        """Lead notification hook for lead routing: DM the rep with Accept / Decline (blocking)."""
        return self.leads.notify(rep_id, event)

    # -- wiring -----------------------------------------------------------------------------------

    def _authorizer(self):  # noqa: ANN202 - Bolt reads the function's argument names, so no bound method
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return await self.whoami()

        return authorize

    async def whoami(self) -> AuthorizeResult:
        """Single-workspace install: who the bot is, asked once (auth.test) and remembered."""
        if self._auth is None:
            r = await self.client.auth_test()
            self._auth = AuthorizeResult(enterprise_id=r.get("enterprise_id"), team_id=r.get("team_id"),
                                         bot_token=self.config.bot_token, bot_id=r.get("bot_id"),
                                         bot_user_id=r.get("user_id"))
        return self._auth

    def router(self) -> APIRouter:
        from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

        if not self.config.signing_secret:  # never serve HTTP without checking who sent the request
            raise RuntimeError("Slack HTTP endpoints need the signing secret (SALESAGENT_SLACK_SIGNING_SECRET)")
        handler = AsyncSlackRequestHandler(self.app)
        router = APIRouter(tags=["slack"], include_in_schema=False)

        verifier = SignatureVerifier(self.config.signing_secret)

        async def slack_endpoint(request: Request) -> Response:
            try:
                return await handler.handle(request)
            except (ValueError, TypeError, AttributeError, KeyError):  # Bolt parses bodies before verifying
                body = await request.body()
                signed = verifier.is_valid(body, request.headers.get("x-slack-request-timestamp", "0"),
                                           request.headers.get("x-slack-signature", ""))
                log.warning("malformed Slack request body (%d bytes, %s)", len(body), "signed" if signed else "unsigned")
                return Response("malformed Slack payload" if signed else "", status_code=400 if signed else 401,
                                media_type="text/plain")

        for path in PATHS:
            router.add_api_route(path, slack_endpoint, methods=["POST"], name=path.strip("/").replace("/", "_"))
        return router

    async def start(self) -> None:
        try:
            await self.whoami()
        except Exception as exc:  # the server still starts; requests will try again
            log.error("Slack auth.test failed: %s", exc)
        if self.config.poll_interval_s > 0:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever(), name="slack-ticker")
        if self.config.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.config.app_token)
            await self._socket.connect_async()
            log.info("Slack Socket Mode connected")

    async def tick(self) -> None:
        """One round of periodic work; each part fails on its own."""
        for name, step in (("review sync", self.review.sync_once), ("lead SLA sweep", self.leads.sweep_once),
                           ("prune", lambda: asyncio.to_thread(self.store.prune))):
            try:
                await step()
            except Exception:
                log.exception("Slack %s failed", name)

    async def _tick_forever(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self.config.poll_interval_s)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self._socket is not None:
            await self._socket.close_async()
        await self.background.close()
