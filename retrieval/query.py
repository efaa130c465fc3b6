"""What a query may be: trimmed, bounded, and about something (letters, digits or Han characters)."""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 1000  # a pasted 10 kB e-mail is cut, not embedded whole (embedding time grows with length)
MEANINGFUL = re.compile(r"[^\W_]", re.UNICODE)


def clean_query(query: str | None) -> str:
    """The query to search with, or "" when there is nothing to search for."""
    text = " ".join((query or "").split())[:MAX_QUERY_CHARS]
    return text if MEANINGFUL.search(text) else ""
