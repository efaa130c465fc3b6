"""Ack time of /slack/events under 50 concurrent signed events.

Real uvicorn on 127.0.0.1 (free port) serving the real app, an httpx async client firing 50 signed
`message.im` events from a rep at once, the local fake Slack Web API, the scripted model. Each event
starts a full agent turn in the background (retrieval, checkpoint, streaming to the fake), so acks are
measured while turns run. A second burst re-sends the same 50 events as Slack retries (new signature,
same event_id, X-Slack-Retry-Num): they must be acked and dropped.

    python -m evals.bench slack
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time

import httpx
import uvicorn

from evals.bench import Row
from evals.bench.common import percentile, seeded_container

N = 50
SECRET = "bench-signing-secret"  # noqa: S105 - a made-up secret for a local fake
TOKEN = "xoxb-bench"  # noqa: S105
TEAM = "T0LUMEN001"
REP = "U05K7EC1A2B"  # rep-001 in the demo tenant
QUESTIONS = ["How much is the Pro edition?", "Do you support SSO?", "专业版多少钱？", "Can I deploy on-premises?"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _signed(body: str, ts: int) -> dict[str, str]:
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={sig}"}


def _event(i: int) -> dict:
    ts = f"{int(time.time())}.{i:06d}"
    return {"token": "unused", "team_id": TEAM, "api_app_id": "A0BENCH", "type": "event_callback",
            "event_id": f"Ev0BENCH{i:06d}", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "U0SALESBOT", "is_bot": True}],
            "event": {"type": "message", "channel": "D0BENCH001", "channel_type": "im", "user": REP, "team": TEAM,
                      "text": QUESTIONS[i % len(QUESTIONS)], "ts": ts, "client_msg_id": f"bench-{i}"}}


async def _burst(base: str, events: list[dict], retry: bool) -> tuple[list[float], list[int]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        async def one(ev: dict) -> tuple[float, int]:
            body = json.dumps(ev)
            # Slack's retries come seconds later, freshly signed; the same signature again is a replay.
            headers = _signed(body, int(time.time()) + (2 if retry else 0))
            if retry:
                headers["X-Slack-Retry-Num"] = "1"
            started = time.perf_counter()
            r = await client.post("/slack/events", content=body, headers=headers)
            return (time.perf_counter() - started) * 1000, r.status_code

        results = await asyncio.gather(*(one(ev) for ev in events))
    return [t for t, _ in results], [s for _, s in results]


def run() -> list[Row]:
    from app.api import create_app
    from tests.channels.slack.fake_slack import FakeSlack

    fake = FakeSlack(token=TOKEN, team_id=TEAM).start()
    fake.add_user(REP, name="Emily Carter")
    c = seeded_container(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.api_url,
                         slack_poll_interval_s=0)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(c), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        events = [_event(i) for i in range(N)]
        acks, statuses = asyncio.run(_burst(base, events, retry=False))
        retry_acks, retry_statuses = asyncio.run(_burst(base, events, retry=True))
        started = time.perf_counter()
        while c.slack.turns.replies < N and time.perf_counter() - started < 600:
            time.sleep(0.2)
        all_done = time.perf_counter() - started
        replies = c.slack.turns.replies
        streams = len(fake.calls_to("chat.startStream"))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        fake.stop()
        c.close()
    note = f"{N} concurrent signed events, real uvicorn + httpx; statuses {sorted(set(statuses))}"
    return [
        Row("slack_ack", "p50", percentile(acks, 50), "ms", "", note),
        Row("slack_ack", "p95", percentile(acks, 95), "ms", "< 3000", note),
        Row("slack_ack", "max", max(acks), "ms", "< 3000", note),
        Row("slack_ack", "retry p95", percentile(retry_acks, 95), "ms", "< 3000",
            f"same {N} events re-sent as Slack retries; statuses {sorted(set(retry_statuses))}"),
        Row("slack_turns", "replies", float(replies), "", f"= {N}",
            f"{streams} streamed answers; duplicates dropped: {c.slack.guard.duplicates}"),
        Row("slack_turns", "all answered after burst", all_done, "s", "",
            f"{c.slack.config.max_concurrent_turns} turns at a time, scripted model"),
    ]
