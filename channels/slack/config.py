"""What the Slack channel needs to know, as plain values. `app` builds it from settings."""

from __future__ import annotations

from dataclasses import dataclass

SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str = ""
    reviewers_channel: str = ""  # channel id where review items are posted; empty = no review in Slack
    socket_mode: bool = False
    app_token: str = ""  # xapp-… token, Socket Mode only
    api_url: str = SLACK_API_URL  # the Web API base; tests point it at a local fake
    streaming: bool = True  # chat.startStream/appendStream/stopStream; False = progressive chat.update
    update_interval_s: float = 0.8  # least time between two live updates of one reply (rate limits)
    poll_interval_s: float = 5.0  # review queue sync and lead SLA sweep; 0 = only when called
    max_concurrent_turns: int = 4  # agent turns running at once (each holds a worker thread)
    console_url: str = ""  # reviewer console link shown in App Home
    max_message_chars: int = 8000  # longest inbound message handed to the agent
