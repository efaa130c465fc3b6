"""Requests Slack did not send, or sent before, change nothing: signatures, the 5-minute window,
replays, retries (durable), malformed bodies; and the routes only exist when Slack is configured."""

from __future__ import annotations

import json
import time

from tests.channels.slack.conftest import EMILY, TEAM, envelope, new_ts, sign


def _dm(text: str = "Do you support SSO?") -> dict:
    return {"type": "message", "channel": "D05K7EC1A2", "channel_type": "im", "user": EMILY, "team": TEAM,
            "text": text, "ts": new_ts(), "client_msg_id": f"msg-{new_ts()}"}


def _agent_calls(fake) -> list[str]:
    return [m for m in fake.methods() if m != "auth.test"]


def test_forged_stale_and_unsigned_requests_are_refused_with_401_and_no_side_effect(slack):
    body = json.dumps(envelope(_dm()))
    forged = sign(body, secret="not-the-signing-secret")  # noqa: S106
    r = slack.client.post("/slack/events", content=body, headers={"Content-Type": "application/json", **forged})
    assert r.status_code == 401
    stale = sign(body, ts=int(time.time()) - 6 * 60)  # a correct signature, outside the 5-minute window
    r = slack.client.post("/slack/events", content=body, headers={"Content-Type": "application/json", **stale})
    assert r.status_code == 401
    r = slack.client.post("/slack/events", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 401
    tampered = sign(body)  # signed, then the body changed on the way
    r = slack.client.post("/slack/events", content=body.replace("SSO", "SAML"),
                          headers={"Content-Type": "application/json", **tampered})
    assert r.status_code == 401
    slack.settle()
    assert _agent_calls(slack.fake) == []
    assert slack.container.conversations.messages(f"slack:{TEAM}:D05K7EC1A2:{json.loads(body)['event']['ts']}") == []
    assert slack.slack.turns.replies == 0


def test_a_replayed_request_is_refused_and_answered_once(slack):
    body = json.dumps(envelope(_dm()))
    headers = {"Content-Type": "application/json", **sign(body)}
    first = slack.client.post("/slack/events", content=body, headers=headers)
    again = slack.client.post("/slack/events", content=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 401)
    slack.settle()
    assert slack.slack.turns.replies == 1
    assert len(slack.fake.calls_to("chat.startStream")) == 1
    assert slack.slack.guard.refused == 1


def test_slack_retries_of_an_event_produce_one_reply(slack):
    event = _dm("How much is the Pro edition?")
    first = slack.event(event, event_id="Ev0RETRY0001")
    # Slack retries with the same event_id, a fresh timestamp and signature, and X-Slack-Retry-Num.
    retry = slack.event(event, event_id="Ev0RETRY0001", ts=int(time.time()) + 1,
                        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first.status_code == retry.status_code == 200
    slack.settle()
    assert slack.slack.turns.replies == 1 and slack.slack.guard.duplicates == 1
    assert len(slack.fake.calls_to("chat.startStream")) == 1
    roles = [m.role for m in slack.container.conversations.messages(f"slack:{TEAM}:D05K7EC1A2:{event['ts']}")]
    assert roles == ["rep", "assistant"]
    # The same message delivered as a new event (another event_id) is still answered once: the
    # conversation store keeps Slack's message id.
    slack.event(event, event_id="Ev0RETRY0002", ts=int(time.time()) + 2)
    slack.settle()
    assert slack.slack.turns.replies == 1


def test_url_verification_and_malformed_bodies(slack):
    body = json.dumps({"token": "unused", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    r = slack.post("/slack/events", body, "application/json")
    assert r.status_code == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in r.text
    for garbage in ("{not json", json.dumps({"type": "event_callback"}), json.dumps([1, 2, 3])):
        r = slack.post("/slack/events", garbage, "application/json")
        assert r.status_code in (200, 400, 404), (garbage, r.status_code, r.text)
    r = slack.post("/slack/events", "x" * 70_000, "application/json")
    assert r.status_code == 413
    slack.settle()
    assert _agent_calls(slack.fake) == []


def test_slack_routes_exist_only_when_configured_for_http(client, seeded_container, fake_slack):
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from app.api import create_app
    from tests.channels.slack.conftest import configure

    body = json.dumps(envelope(_dm()))
    r = client.post("/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body)})
    assert r.status_code == 404
    # Socket Mode without a signing secret: events come over the socket, so there must be no HTTP
    # endpoint that would accept unsigned requests.
    configure(seeded_container, fake_slack, slack_socket_mode=True, slack_app_token=SecretStr("xapp-1"),
              slack_signing_secret=SecretStr(""))
    r = TestClient(create_app(seeded_container)).post("/slack/events", content=body,
                                                      headers={"Content-Type": "application/json"})
    assert r.status_code == 404


def test_slack_secrets_are_masked_and_slack_needs_a_way_to_receive_events(tmp_path):
    from app.settings import Settings
    from tests.channels.slack.conftest import SECRET, TOKEN

    hidden = "*" * 8
    base = {"_env_file": None, "data_dir": tmp_path, "slack_bot_token": TOKEN}
    s = Settings(**base, slack_signing_secret=SECRET)
    masked = s.masked()
    assert masked["slack_bot_token"] == masked["slack_signing_secret"] == hidden
    assert TOKEN not in str(masked) and SECRET not in str(masked) and s.slack_configured
    assert not Settings(**base).slack_configured
    socket = Settings(**base, slack_socket_mode=True, slack_app_token=SECRET)
    assert socket.slack_configured and socket.masked()["slack_app_token"] == hidden
