"""Slack threads are conversations: the id is built from team + channel + thread, and read back to deliver."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

PREFIX = "slack:"
MAX_ID = 64  # conversations.id is String(64)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Thread:
    team_id: str
    channel: str
    thread_ts: str
    user: str | None = None  # a private conversation inside a shared thread (answered ephemerally to this user)

    @property
    def conversation_id(self) -> str:
        team = self.team_id
        cid = f"{PREFIX}{team}:{self.channel}:{self.thread_ts}" + (f":{self.user}" if self.user else "")
        if len(cid) > MAX_ID:  # unusually long ids: shorten the team part, keep what delivery needs
            team = hashlib.sha256(team.encode()).hexdigest()[:8]
            cid = f"{PREFIX}{team}:{self.channel}:{self.thread_ts}" + (f":{self.user}" if self.user else "")
        if len(cid) > MAX_ID:
            raise ValueError(f"Slack ids too long for a conversation id: {self.channel!r} {self.thread_ts!r}")
        return cid


def parse_conversation_id(conversation_id: str) -> Thread | None:
    """The thread a Slack conversation id points at, or None when the id is not a Slack one."""
    if not conversation_id.startswith(PREFIX):
        return None
    parts = conversation_id[len(PREFIX):].split(":")
    if len(parts) not in (3, 4) or not all(parts[:3]):
        return None
    return Thread(parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None)


def home_team(body: dict[str, Any]) -> str:
    """The workspace the app is installed in, from an Events API / interaction envelope."""
    if body.get("team_id"):
        return str(body["team_id"])
    auths = body.get("authorizations") or []
    if auths and auths[0].get("team_id"):
        return str(auths[0]["team_id"])
    team = body.get("team")
    return str(team.get("id", "")) if isinstance(team, dict) else ""


def author_team(event: dict[str, Any]) -> str:
    """The team of the person who wrote a message (differs from ours for Slack Connect guests)."""
    return str(event.get("user_team") or event.get("team") or "")


def language_of(text: str, fallback: str = "en") -> str:
    return "zh" if CJK.search(text or "") else fallback
