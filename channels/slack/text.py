"""Slack text rules in one place: escaping model output, and splitting it to Slack's size limits.

Model output is untrusted: in mrkdwn `<!channel>` pings everyone and `<https://x|label>` disguises a link,
so `&`, `<` and `>` are always escaped (Slack's own rule) and bare broadcast words are defused. The
streaming API takes standard markdown instead, where `[label](url)` is the link syntax, so brackets are
escaped there too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MESSAGE_LIMIT = 40_000  # chat.postMessage / chat.update `text`
SECTION_LIMIT = 3_000  # a section block's text
STREAM_CHUNK_LIMIT = 12_000  # markdown_text of one chat.appendStream call
SECTIONS_PER_MESSAGE = 12  # 12 × 3,000 keeps the fallback `text` under 40,000 and blocks under 50

BROADCAST = re.compile(r"(?<![\w@])@(channel|here|everyone)\b", re.I)
WORD_JOINER = "\u2060"  # invisible; stops Slack from reading "@here" as a broadcast
SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)|[。！？]")


def escape_mrkdwn(text: str) -> str:
    """Text safe to put in a mrkdwn field: no mentions, links or broadcasts can come out of it."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


def escape_markdown(text: str) -> str:
    """The same guarantee for standard markdown (the streaming API): entities, and no link brackets."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("[", "\\[").replace("]", "\\]")
    return BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


def escaped_length(text: str) -> int:
    """Length after escape_mrkdwn, counted as Slack does (characters outside the BMP count twice)."""
    return len(escape_mrkdwn(text).encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = escaped_length) -> list[str]:
    """Cut text into pieces that each measure ≤ limit, at a paragraph, line, sentence or word boundary."""
    pieces: list[str] = []
    rest = text.strip()
    while rest and measure(rest) > limit:
        cut = _cut(rest, limit, measure)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _cut(text: str, limit: int, measure: Callable[[str], int]) -> int:
    lo, hi = 1, len(text)  # the longest prefix that fits (measure is monotonic in the prefix)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    window = text[:lo]
    floor = lo // 2  # never cut so early that pieces get tiny
    for sep in ("\n\n", "\n"):
        at = window.rfind(sep)
        if at > floor:
            return at + len(sep)
    ends = [m.end() for m in SENTENCE_END.finditer(window) if m.end() > floor]
    if ends:
        return ends[-1]
    at = max(window.rfind(" "), window.rfind("\t"))
    return at + 1 if at > floor else lo


def section(text: str) -> dict[str, Any]:
    """A section block from trusted mrkdwn (already escaped); callers keep it ≤ SECTION_LIMIT."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def truncate(text: str, limit: int) -> str:
    """Untrusted text escaped and shortened to fit one field of `limit` characters."""
    pieces = split_text(text, limit - 1)
    if not pieces:
        return ""
    return escape_mrkdwn(pieces[0]) + ("…" if len(pieces) > 1 else "")


def sources_line(citations: list[dict[str, Any]], label: str) -> str:
    parts = [f"[{i}] {c.get('source', '')}" + (f" — {c['heading']}" if c.get("heading") else "")
             for i, c in enumerate(citations, 1)]
    return f"{label}: " + " · ".join(parts)


def reply_messages(text: str, citations: list[dict[str, Any]] | None = None, *,
                   sources_label: str = "Sources") -> list[dict[str, Any]]:
    """An answer as one or more Slack messages (`text` + `blocks`), every limit respected, sources last."""
    sections = [escape_mrkdwn(p) for p in split_text(text, SECTION_LIMIT)] or [" "]
    messages = []
    for start in range(0, len(sections), SECTIONS_PER_MESSAGE):
        group = sections[start:start + SECTIONS_PER_MESSAGE]
        messages.append({"text": "\n".join(group), "blocks": [section(s) for s in group]})
    if citations:
        messages[-1]["blocks"].append(context(truncate(sources_line(citations, sources_label), SECTION_LIMIT)))
    return messages
