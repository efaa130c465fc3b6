"""Lead notifications to reps as WeCom app messages (alongside Slack; setting `lead_notify_channels`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from channels.wecom.sender import WeComMessage, WeComSender

TITLES = {"en": "New lead for you", "zh": "您有新的线索"}


def format_event(event: Mapping[str, Any], language: str = "zh") -> str:
    lang = "zh" if language == "zh" else "en"
    lines = [f"【{TITLES[lang]}】" if lang == "zh" else f"[{TITLES[lang]}]"]
    labels = {"en": {"lead": "Lead", "score": "Score", "summary": "Summary", "link": "Open"},
              "zh": {"lead": "线索", "score": "评分", "summary": "摘要", "link": "查看"}}[lang]
    for key in ("lead", "score", "summary", "link"):
        value = event.get(key) if key != "lead" else (event.get("lead_id") or event.get("lead"))
        if value not in (None, ""):
            lines.append(f"{labels[key]}: {value}")
    return "\n".join(lines)


class WeComNotifier:
    """`notify(rep_id, event)`: one app message to the rep's WeCom account, once per event."""

    def __init__(self, sender: WeComSender, rep: Callable[[str], Mapping[str, Any] | None]):
        self.sender, self.rep = sender, rep

    def notify(self, rep_id: str, event: Mapping[str, Any]) -> bool:
        rep = self.rep(rep_id)
        userid = (rep or {}).get("wecom_user_id")
        if not userid:
            return False  # this rep has no WeCom account; other channels still notify
        languages = list((rep or {}).get("languages") or [])
        text = format_event(event, "zh" if "zh" in languages[:1] else "en")
        key = "notify:" + hashlib.sha256(json.dumps([rep_id, dict(event)], sort_keys=True, default=str)
                                         .encode()).hexdigest()[:40]
        self.sender.deliver(WeComMessage(str(userid), text), key)
        return True
