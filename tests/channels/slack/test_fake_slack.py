"""The fake behaves like Slack where our code relies on it (checked with the real slack_sdk clients)."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError

from channels.slack.app import web_clients
from channels.slack.config import SlackConfig
from tests.channels.slack.conftest import TOKEN


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")  # the no_text case, on purpose
def test_errors_limits_and_rate_limits_match_slack(fake_slack):
    _, client = web_clients(SlackConfig(bot_token=TOKEN, api_url=fake_slack.api_url))
    assert client.auth_test()["user_id"] == fake_slack.bot_user_id
    posted = client.chat_postMessage(channel="C0GENERAL1", text="hi")
    assert posted["ok"] and posted["ts"]
    for kwargs, error in [({"channel": "C0GENERAL1", "text": "x" * 40_001}, "msg_too_long"),
                          ({"channel": "C0GENERAL1"}, "no_text"),
                          ({"channel": "nope", "text": "x"}, "channel_not_found"),
                          ({"channel": "C0GENERAL1", "text": "y", "blocks": [{"type": "section", "text": {
                              "type": "mrkdwn", "text": "y" * 3001}}]}, "invalid_blocks")]:
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(**kwargs)
        assert exc.value.response["error"] == error
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C0GENERAL1", ts="1.000001", text="x")
    with pytest.raises(SlackApiError, match="message_not_in_streaming_state"):
        client.chat_appendStream(channel="C0GENERAL1", ts=posted["ts"], markdown_text="x")
    with pytest.raises(SlackApiError, match="invalid_auth"):
        web_clients(SlackConfig(bot_token="xoxb-wrong", api_url=fake_slack.api_url))[1].auth_test()  # noqa: S106

    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    started = time.monotonic()
    assert client.chat_postMessage(channel="C0GENERAL1", text="after the wait")["ok"]
    assert time.monotonic() - started >= 1.0
    statuses = [c.status for c in fake_slack.all_calls() if c.method == "chat.postMessage"]
    assert statuses[-2:] == [429, 200]


def test_streaming_lifecycle(fake_slack):
    _, client = web_clients(SlackConfig(bot_token=TOKEN, api_url=fake_slack.api_url))
    with pytest.raises(SlackApiError, match="invalid_arguments"):  # outside DMs a recipient is required
        client.chat_startStream(channel="C0GENERAL1", thread_ts="1.0", markdown_text="x")
    ts = client.chat_startStream(channel="D0EMILY001", thread_ts="1.0", markdown_text="Hel")["ts"]
    client.chat_appendStream(channel="D0EMILY001", ts=ts, markdown_text="lo")
    client.chat_stopStream(channel="D0EMILY001", ts=ts)
    assert fake_slack.thread("D0EMILY001", "1.0")[-1]["text"] == "Hello"
    with pytest.raises(SlackApiError, match="message_not_in_streaming_state"):
        client.chat_stopStream(channel="D0EMILY001", ts=ts)
