"""Plain text, and the byte → str step every text format shares (UTF-8/16 with or without BOM, GBK…)."""

from __future__ import annotations

import re

from retrieval.loaders.document import Document, Section

# bytes that never occur in text: NUL and most C0 controls (tab, newlines, form feed, escape are fine)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_BOMS = (("utf-8-sig", b"\xef\xbb\xbf"), ("utf-16", b"\xff\xfe"), ("utf-16", b"\xfe\xff"))


def decode_text(raw: bytes) -> str | None:
    """The text, or None for binary content. Tries BOMs, UTF-8, GB18030 (a superset of GBK and GB2312),
    then charset-normalizer's guess for anything else (Big5, Shift-JIS, Latin-1…)."""
    for encoding, bom in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                return None
    head = raw[:8192]
    if head and len(_CONTROL.findall(head)) > max(2, len(head) // 200):
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return str(best) if best is not None else None


def load_text(text: str, source: str) -> Document:
    title = next((line.strip() for line in text.splitlines() if line.strip()), source.rsplit("/", 1)[-1])
    return Document(source, title[:120], [Section((), text.strip())] if text.strip() else [])
