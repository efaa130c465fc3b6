"""The shipped manifest matches what the code serves and listens to."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from channels.slack.app import PATHS

MANIFEST = Path(__file__).parents[3] / "slack" / "manifest.yaml"


def test_manifest_urls_events_and_scopes_match_the_code():
    m = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    urls = {urlsplit(m["settings"]["event_subscriptions"]["request_url"]).path,
            urlsplit(m["settings"]["interactivity"]["request_url"]).path,
            urlsplit(m["features"]["slash_commands"][0]["url"]).path}
    assert urls == set(PATHS)
    assert m["features"]["slash_commands"][0]["command"] == "/sales"
    events = set(m["settings"]["event_subscriptions"]["bot_events"])
    assert {"assistant_thread_started", "assistant_thread_context_changed", "message.im", "app_mention",
            "app_home_opened"} <= events
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "im:write", "users:read", "assistant:write", "im:history"} <= scopes
    assert m["features"]["app_home"]["home_tab_enabled"] and m["features"]["app_home"]["messages_tab_enabled"]
    assert len(m["features"]["assistant_view"]["suggested_prompts"]) <= 4
    assert 174 <= len(m["display_information"]["long_description"]) <= 4000
