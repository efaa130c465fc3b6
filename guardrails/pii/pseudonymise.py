"""Replace PII with the conversation's placeholders, and put values back for a recipient allowed them."""

from __future__ import annotations

import re
from collections.abc import Callable

from guardrails.pii.engine import PiiScanner, PiiSpan, get_scanner
from guardrails.pii.text import MAX_SCAN_CHARS
from guardrails.pii.vault import Entry, Vault

PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
PARTIAL_TAIL = re.compile(r"<[A-Z_\d]*$")
OwnerOf = Callable[[str, str], str]  # (value, entity type) -> owner


BLOCK_BREAK = re.compile(r"\n(?:[ \t]*\n)+")
LINE_BREAK = re.compile(r"\n+")
# a source's number at the start of a composed line ("[2] Pricing — Editions"): the same source comes back
# under another number in another turn, so the line is looked up without it (the marker holds no PII)
SOURCE_NUMBER = re.compile(r"\[\d{1,3}\] ")


def scan_any_length(scanner: PiiScanner, text: str, by_line: bool = False) -> list[PiiSpan]:
    """Scan text of any size, one blank-line-separated block at a time (no name, number or address spans a
    blank line), or one line at a time (`by_line`, for composed documents: a system prompt's template and
    its sources, whose excerpts are lines and sentences of chunks; a source's leading number is left out).
    The scanner remembers what it scanned by digest, so a new prompt analyses only its new blocks or lines.
    A piece over the scan limit is scanned in line-aligned windows."""
    spans, start = [], 0
    for brk in [*(LINE_BREAK if by_line else BLOCK_BREAK).finditer(text), None]:
        end = brk.start() if brk else len(text)
        if by_line and (marker := SOURCE_NUMBER.match(text, start, end)):
            start = marker.end()
        spans += [PiiSpan(s.start + start, s.end + start, s.type, s.score)
                  for s in _scan_windows(scanner, text[start:end])]
        start = brk.end() if brk else end
    return spans


def _scan_windows(scanner: PiiScanner, text: str) -> list[PiiSpan]:
    if len(text) <= MAX_SCAN_CHARS:
        return scanner.scan(text)
    spans, start = [], 0
    while start < len(text):
        end = min(len(text), start + MAX_SCAN_CHARS)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        spans += [PiiSpan(s.start + start, s.end + start, s.type, s.score) for s in scanner.scan(text[start:end])]
        start = end
    return spans


def redact(text: str, scanner: PiiScanner | None = None) -> str:
    """Each PII value replaced by its type in angle brackets, `call <PHONE_NUMBER>`: for text nobody reads
    back (logs, anonymised cases, what a hosted embeddings endpoint is sent), so no vault entry is made."""
    out, pos = [], 0
    for s in scan_any_length(scanner or get_scanner(), text):
        out += [text[pos:s.start], f"<{s.type}>"]
        pos = s.end
    return "".join(out) + text[pos:]


def pseudonymise(text: str, *, scanner: PiiScanner, vault: Vault, conversation_id: str, owner: str | OwnerOf,
                 typed_by: str = "", by_line: bool = False) -> str:
    if not text:
        return text
    out, pos = [], 0
    for span in scan_any_length(scanner, text, by_line):
        value = text[span.start:span.end]
        if PLACEHOLDER.fullmatch(value):
            continue
        who = owner(value, span.type) if callable(owner) else owner
        out += [text[pos:span.start], vault.assign(conversation_id, value, span.type, owner=who, typed_by=typed_by)]
        pos = span.end
    return "".join(out) + text[pos:]


def restore(text: str, entries: dict[str, Entry], allowed: Callable[[Entry], bool] = lambda e: True) -> tuple[str, list[str]]:
    """(text with allowed placeholders replaced by their values, placeholders kept because not allowed)."""
    blocked: list[str] = []

    def put_back(m: re.Match[str]) -> str:
        entry = entries.get(m.group(0))
        if entry is None:
            return m.group(0)  # not ours (the model made it up): leave it visible, it carries no value
        if allowed(entry):
            return entry.value
        if m.group(0) not in blocked:
            blocked.append(m.group(0))
        return m.group(0)

    return PLACEHOLDER.sub(put_back, text), blocked


class StreamRestorer:
    """Restores placeholders in streamed text; a placeholder split across chunks is held until complete."""

    def __init__(self, entries: Callable[[], dict[str, Entry]], allowed: Callable[[Entry], bool]):
        self._entries, self._allowed = entries, allowed
        self._pending = ""
        self.blocked: list[str] = []

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk
        tail = PARTIAL_TAIL.search(text)
        self._pending = tail.group(0) if tail and len(tail.group(0)) < 40 else ""
        return self._restore(text[: len(text) - len(self._pending)])

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return self._restore(text)

    def _restore(self, text: str) -> str:
        restored, blocked = restore(text, self._entries(), self._allowed)
        self.blocked += [b for b in blocked if b not in self.blocked]
        return restored
