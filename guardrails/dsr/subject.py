"""Who an erasure or export is about, and how to recognise their values wherever they were written.

Values are matched loosely where people write them loosely: emails and ids case-insensitively, names
with any spacing, phone numbers with or without country code and separators.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from guardrails.consent.disclosure import phone_digits

SEP = r"[\s\-().\u00a0]*"
CHANNEL_ID_FIELDS = {"web_visitor_id": "web", "slack_user_id": "slack", "wecom_external_userid": "wecom"}
VALUE_FIELDS = ("name", "email", "phone", "wechat_id", *CHANNEL_ID_FIELDS)


def _pattern(field_name: str, value: str) -> re.Pattern[str] | None:
    value = value.strip()
    if not value:
        return None
    if field_name == "phone":
        digits = phone_digits(value)
        if len(digits) < 7:
            return None
        body = SEP.join(digits)
        return re.compile(rf"(?<!\d)(?:\+?\d{{1,3}}{SEP})?{body}(?!\d)")
    if field_name == "name":
        parts = value.split()
        if len(parts) == 1 and len(value) < 2:
            return None
        body = r"\s+".join(re.escape(p) for p in parts)
        return re.compile(rf"(?<!\w){body}(?!\w)" if value.isascii() else body, re.I)
    return re.compile(rf"(?<![\w.+-]){re.escape(value)}(?![\w-])", re.I)


@dataclass(frozen=True)
class Subject:
    contact_id: str
    values: tuple[tuple[str, str], ...]  # (field, value): name, email, phone, wechat_id, channel ids
    conversation_ids: tuple[str, ...] = ()
    patterns: tuple[tuple[str, re.Pattern[str]], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def of(cls, contact_id: str, row: dict[str, Any], conversation_ids: Iterable[str] = ()) -> Subject:
        values = tuple((f, str(row[f])) for f in VALUE_FIELDS if row.get(f))
        patterns = tuple((f, p) for f, v in values if (p := _pattern(f, v)) is not None)
        return cls(contact_id, values, tuple(dict.fromkeys(conversation_ids)), patterns)

    @property
    def channel_ids(self) -> dict[str, str]:
        return {CHANNEL_ID_FIELDS[f]: v for f, v in self.values if f in CHANNEL_ID_FIELDS}

    @property
    def literals(self) -> list[str]:
        """The values as stored, plus the bare digits of phone numbers (for stores that only match exactly)."""
        out = [v for _, v in self.values]
        out += [phone_digits(v) for f, v in self.values if f == "phone" and phone_digits(v)]
        return list(dict.fromkeys(out))

    def find(self, text: str) -> list[str]:
        """The fields of this subject whose values occur in `text`."""
        return [f for f, p in self.patterns if p.search(text)]

    def scrub(self, text: str, marker: str = "[erased]") -> tuple[str, int]:
        total = 0
        for _, p in self.patterns:
            text, n = p.subn(marker, text)
            total += n
        return text, total

    def find_in(self, value: Any) -> list[str]:
        """`find` over a JSON-like value (strings inside dicts and lists too)."""
        return [f for s in _strings(value) for f in self.find(s)]

    def scrub_value(self, value: Any, marker: str = "[erased]") -> tuple[Any, int]:
        if isinstance(value, str):
            return self.scrub(value, marker)
        if isinstance(value, dict):
            out, total = {}, 0
            for k, v in value.items():
                new_k, n1 = self.scrub_value(k, marker) if isinstance(k, str) else (k, 0)
                out[new_k], n2 = self.scrub_value(v, marker)
                total += n1 + n2
            return out, total
        if isinstance(value, list | tuple):
            items = [self.scrub_value(v, marker) for v in value]
            return [v for v, _ in items], sum(n for _, n in items)
        if isinstance(value, bytes):
            text = value.decode("utf-8", "replace")
            new, n = self.scrub(text, marker)
            return (new.encode() if n else value), n
        return value, 0


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
