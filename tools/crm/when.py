"""When a follow-up is due, from what a rep types: an ISO date or time, or a relative phrase in
English or Chinese ("tomorrow", "in 3 days", "next week", "明天", "3天后", "下周"). Day-level phrases
land at 09:00 in the rep's time zone. Returns naive UTC, as the database stores times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_RELATIVE = re.compile(r"in\s+(\d+)\s*(hour|day|week)s?|(\d+|[一二两三四五六七八九十])\s*(小时|天|周|个?星期)(?:后|以后|之后)",
                       re.I)
_DAYS = {"today": 0, "今天": 0, "tomorrow": 1, "明天": 1, "day after tomorrow": 2, "后天": 2,
         "next week": 7, "下周": 7, "下星期": 7}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_from(when: str, now: datetime, timezone: str = "UTC") -> datetime:
    """Raises ValueError with the accepted forms when `when` is not understood."""
    text = (when or "").strip()
    zone = _zone(timezone)
    aware_now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(zone)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            if len(text) <= 10:  # a bare date: 09:00 that day, rep's time
                parsed = datetime.combine(parsed.date(), time(9))
            parsed = parsed.replace(tzinfo=zone)
        return parsed.astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        pass
    if m := _RELATIVE.search(text):
        if m.group(1):
            n, unit = int(m.group(1)), m.group(2).lower()
        else:
            raw = m.group(3)
            n = int(raw) if raw.isdigit() else _CN_DIGITS[raw]
            unit = {"小时": "hour", "天": "day"}.get(m.group(4), "week")
        delta = {"hour": timedelta(hours=n), "day": timedelta(days=n), "week": timedelta(weeks=n)}[unit]
        moment = aware_now + delta
        if unit != "hour":
            moment = datetime.combine(moment.date(), time(9), tzinfo=zone)
        return moment.astimezone(UTC).replace(tzinfo=None)
    for phrase in sorted(_DAYS, key=len, reverse=True):
        if phrase in text.lower():
            day = (aware_now + timedelta(days=_DAYS[phrase])).date()
            return datetime.combine(day, time(9), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    raise ValueError(f"could not read the time {when!r}: use an ISO date (2026-12-01), 'tomorrow', "
                     "'in 3 days', 'next week', '明天', '3天后' or '下周'")
