"""Who is talking: a rep of ours, a customer from another organisation (Slack Connect), or someone
we don't know. Decided from the authenticated Slack ids, never from message text."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack.directory import Directory
from channels.slack.ids import author_team, home_team

log = logging.getLogger(__name__)
CACHE_S = 600.0


@dataclass(frozen=True)
class Who:
    kind: str  # rep | customer | unknown
    user: str
    team: str
    rep: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None

    @property
    def rep_language(self) -> str | None:
        langs = (self.rep or {}).get("languages") or []
        return langs[0] if langs else None


class Identity:
    def __init__(self, client: AsyncWebClient, directory: Directory):
        self.client, self.directory = client, directory
        self._users: dict[str, tuple[float, dict[str, Any]]] = {}

    async def user_info(self, user: str) -> dict[str, Any]:
        """users.info (with locale), cached for a few minutes; {} when Slack cannot say."""
        hit = self._users.get(user)
        if hit and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
        try:
            info = dict((await self.client.users_info(user=user, include_locale=True)).get("user") or {})
        except SlackApiError as exc:
            log.info("users.info %s failed: %s", user, exc.response.get("error"))
            info = {}
        self._users[user] = (time.monotonic(), info)
        return info

    async def is_external(self, user: str, body: dict[str, Any], event: dict[str, Any]) -> bool:
        """True for people from another organisation in a Slack Connect channel."""
        home = home_team(body)
        team = author_team(event)
        if not team and body.get("is_ext_shared_channel"):
            info = await self.user_info(user)
            if info.get("is_stranger"):
                return True
            team = str(info.get("team_id") or "")
        return bool(home and team and team != home)

    async def rep(self, user: str, team: str = "") -> Who:
        rep = await asyncio.to_thread(self.directory.rep_by_slack_user, user)
        return Who("rep" if rep else "unknown", user, team, rep=rep)

    async def who(self, user: str, body: dict[str, Any], event: dict[str, Any]) -> Who:
        team = author_team(event) or home_team(body)
        if await self.is_external(user, body, event):
            contact = await asyncio.to_thread(self.directory.contact_by_slack_user, user)
            return Who("customer", user, team, contact=contact)
        return await self.rep(user, team)

    async def language(self, user: str, text: str = "", who: Who | None = None) -> str:
        """zh or en: Chinese in the text, then the rep's first language, then the Slack locale."""
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            return "zh"
        if who and who.rep_language in ("zh", "en"):
            return str(who.rep_language)
        locale = str((await self.user_info(user)).get("locale") or "")
        return "zh" if locale.lower().startswith("zh") else "en"
