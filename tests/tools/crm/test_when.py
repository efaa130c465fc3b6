"""Follow-up times from what a rep types, in English and Chinese, at 09:00 in the rep's own time zone."""

from __future__ import annotations

from datetime import datetime

import pytest

from tools.crm.when import due_from

NOW = datetime(2026, 11, 24, 3, 0)  # UTC; 11:00 in Shanghai, 22:00 the day before in New York


@pytest.mark.parametrize(("when", "zone", "expected"), [
    ("tomorrow", "Asia/Shanghai", datetime(2026, 11, 25, 1, 0)),
    ("明天", "Asia/Shanghai", datetime(2026, 11, 25, 1, 0)),
    ("3天后", "Asia/Shanghai", datetime(2026, 11, 27, 1, 0)),
    ("三天后", "Asia/Shanghai", datetime(2026, 11, 27, 1, 0)),
    ("下周", "Asia/Shanghai", datetime(2026, 12, 1, 1, 0)),
    ("next week", "America/New_York", datetime(2026, 11, 30, 14, 0)),  # local date was still the 23rd
    ("in 2 hours", "UTC", datetime(2026, 11, 24, 5, 0)),
    ("2026-12-01", "Europe/Berlin", datetime(2026, 12, 1, 8, 0)),
    ("2026-12-01T10:30:00Z", "Asia/Shanghai", datetime(2026, 12, 1, 10, 30)),
    ("tomorrow", "Not/AZone", datetime(2026, 11, 25, 9, 0)),  # a broken zone reads as UTC
])
def test_due_times(when, zone, expected):
    assert due_from(when, NOW, zone) == expected


def test_unreadable_times_say_what_is_accepted():
    with pytest.raises(ValueError, match="ISO date"):
        due_from("whenever suits", NOW)
