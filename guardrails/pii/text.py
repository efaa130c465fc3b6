"""Text helpers every recognizer shares: width folding that keeps offsets, script checks, limits."""

from __future__ import annotations

import re

# Full-width ASCII (U+FF01..U+FF5E) folds one-to-one onto ASCII, and the ideographic space onto a space,
# so a span found in the folded text has the same offsets in the original.
# Lone surrogates (invalid in UTF-8, which spaCy needs) become U+FFFD, again one for one.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20} | {cp: 0xFFFD for cp in range(0xD800, 0xE000)}

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

MAX_SCAN_CHARS = 100_000  # a chat message is ≤ 8,000; prompts with sources stay far below this


class TextTooLong(ValueError):
    """The text is larger than one scan handles; split it (see `guardrails.pii.pseudonymise`)."""

    def __init__(self, length: int, limit: int = MAX_SCAN_CHARS):
        super().__init__(f"text is {length:,} characters; the PII scanner's limit is {limit:,} per call")
        self.length = length
        self.limit = limit


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII, lone surrogates as U+FFFD; same offsets."""
    return text.translate(_FOLD)


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def has_latin(text: str) -> bool:
    return LATIN_WORD.search(text) is not None


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())
