"""Loaders: a file on disk → a `Document` (title, language, sections by heading), or a reason to skip it.

One function per format; `load_file` picks by suffix and applies the limits that protect ingest
(size, binary content, undecodable bytes). A bad file is skipped with a reason, never fatal.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.loaders.document import Document, Skipped
from retrieval.loaders.html import load_html
from retrieval.loaders.markdown import load_markdown
from retrieval.loaders.pdf import load_pdf
from retrieval.loaders.text import decode_text, load_text

MAX_FILE_BYTES = 20 * 1024 * 1024
TEXT_LOADERS = {".md": load_markdown, ".mdx": load_markdown, ".markdown": load_markdown,
                ".txt": load_text, ".text": load_text, ".html": load_html, ".htm": load_html}
SUFFIXES = frozenset({*TEXT_LOADERS, ".pdf"})

__all__ = ["MAX_FILE_BYTES", "SUFFIXES", "Document", "Skipped", "load_bytes", "load_file"]


def load_file(path: Path, source: str, max_bytes: int = MAX_FILE_BYTES) -> Document | Skipped:
    size = path.stat().st_size
    if size > max_bytes:
        return Skipped(source, f"{size:,} bytes is over the {max_bytes:,}-byte limit")
    return load_bytes(path.read_bytes(), source, path.suffix.lower())


def load_bytes(raw: bytes, source: str, suffix: str) -> Document | Skipped:
    if suffix == ".pdf":
        return load_pdf(raw, source)
    loader = TEXT_LOADERS.get(suffix)
    if loader is None:
        return Skipped(source, f"unsupported file type {suffix or '(none)'}")
    text = decode_text(raw)
    if text is None:
        return Skipped(source, "binary or undecodable content")
    return loader(text, source)
