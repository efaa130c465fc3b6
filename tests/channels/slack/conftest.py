"""Slack test kit: the fake Web API, signed requests into the real FastAPI app, the demo people.

The demo tenant's reps and customers keep their Slack ids; the fake knows them as Slack users.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr

from tests.channels.slack.fake_slack import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # noqa: S105 - made up, for the fake
TOKEN = "xoxb-fake-token"  # noqa: S105
TEAM = "T0LUMEN001"
CUSTOMER_TEAM = "T0NORTHWND"
REVIEWERS = "C0REVIEWS1"
SHARED = "C0SHARED01"  # a Slack Connect channel with Northwind Robotics
EMILY, XIAOWEN, PRIYA = "U05K7EC1A2B", "U06CXW9QH2L", "U0A3PN7K5RM"  # reps (demo tenant)
SARAH = "U07NW5LQ142"  # con-001, Northwind Robotics, in the shared channel
STRANGER = "U0NOBODY01"  # a colleague who is not a rep
REVIEWER = "U0REVIEWR1"
_ids = itertools.count(1)


def sign(body: str, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def envelope(event: dict[str, Any], *, event_id: str | None = None, shared: bool = False) -> dict[str, Any]:
    return {"token": "unused", "team_id": TEAM, "api_app_id": "A0SALES001", "type": "event_callback",
            "event": event, "event_id": event_id or f"Ev{next(_ids):010d}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": "U0SALESBOT", "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": shared, "event_context": "4-fake"}


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


@dataclass
class SlackHarness:
    """The real app (TestClient) wired to the fake Slack; helpers to send what Slack sends."""

    client: Any
    fake: FakeSlack
    container: Any

    @property
    def slack(self) -> Any:
        return self.container.slack

    def post(self, path: str, body: str, ctype: str, *, headers: dict[str, str] | None = None,
             ts: int | None = None) -> Any:
        return self.client.post(path, content=body.encode(), headers={"Content-Type": ctype, **sign(body, ts),
                                                                      **(headers or {})})

    def event(self, event: dict[str, Any], *, event_id: str | None = None, shared: bool = False,
              headers: dict[str, str] | None = None, ts: int | None = None) -> Any:
        body = json.dumps(envelope(event, event_id=event_id, shared=shared))
        return self.post("/slack/events", body, "application/json", headers=headers, ts=ts)

    def interaction(self, payload: dict[str, Any], ts: int | None = None) -> Any:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post("/slack/interactions", body, "application/x-www-form-urlencoded", ts=ts)

    def command(self, text: str, user: str = EMILY, **extra: str) -> Any:
        fields = {"token": "unused", "team_id": TEAM, "team_domain": "lumen", "channel_id": "C0GENERAL1",
                  "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": "/sales",
                  "text": text, "api_app_id": "A0SALES001", "response_url": self.fake.hook_url(f"cmd-{next(_ids)}"),
                  "trigger_id": f"trig.{next(_ids)}", **extra}
        return self.post("/slack/commands", urlencode(fields), "application/x-www-form-urlencoded")

    def settle(self, timeout: float = 60.0) -> None:
        """Wait for every background task the requests started (turns, posts, decisions), then for the
        outbox to deliver what the decisions staged (beside the app's own in-process worker: leases keep
        the two from sending a row twice)."""
        self.client.portal.call(self.slack.background.drain, timeout)
        outbox, deadline = self.container.outbox, time.monotonic() + timeout
        self.container.worker().drain(timeout)
        # the app's own worker may hold a row's lease mid-send: wait until nothing is in flight
        while outbox.counts().get("delivering") and time.monotonic() < deadline:
            time.sleep(0.05)

    def run(self, fn: Any, *args: Any) -> Any:
        """Run a coroutine function on the app's event loop (ticks, sweeps)."""
        return self.client.portal.call(fn, *args)

    def script(self, *steps: Any) -> None:
        """Queue answers for the scripted model (after that it answers from the sources)."""
        self.container.model.chat.script.extend(steps)


def start_fake() -> FakeSlack:
    fake = FakeSlack(token=TOKEN, team_id=TEAM).start()
    fake.add_user(EMILY, name="Emily Carter", locale="en-US")
    fake.add_user(XIAOWEN, name="陈晓雯", locale="zh-CN", tz="Asia/Shanghai")
    fake.add_user(PRIYA, name="Priya Nair")
    fake.add_user(STRANGER, name="Pat Nobody")
    fake.add_user(REVIEWER, name="Rae Viewer")
    fake.add_user(SARAH, team_id=CUSTOMER_TEAM, name="Sarah Lindqvist", is_stranger=True)
    return fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = start_fake()
    yield fake
    fake.stop()


def configure(container: Any, fake: FakeSlack, **overrides: Any) -> None:
    """Turn Slack on for a container built by the shared `seeded_container` fixture."""
    s = container.settings
    s.slack_bot_token = SecretStr(TOKEN)
    s.slack_signing_secret = SecretStr(SECRET)
    s.slack_reviewers_channel = REVIEWERS
    s.slack_api_url = fake.api_url
    s.slack_poll_interval_s = 0  # tests drive the periodic work with `tick`
    for key, value in overrides.items():
        setattr(s, key, value)


@pytest.fixture
def slack(seeded_container, fake_slack) -> Iterator[SlackHarness]:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from app.api import create_app

    configure(seeded_container, fake_slack)
    with TestClient(create_app(seeded_container)) as tc:
        yield SlackHarness(tc, fake_slack, seeded_container)
