"""PDF via pypdf (pure Python, offline). One section per page, so citations can say which page."""

from __future__ import annotations

import io
import logging

from retrieval.loaders.document import Document, Section, Skipped

log = logging.getLogger(__name__)


def load_pdf(raw: bytes, source: str) -> Document | Skipped:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly about harmless quirks
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            return Skipped(source, "encrypted PDF")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        return Skipped(source, f"unreadable PDF: {type(exc).__name__}: {exc}")
    sections = [Section((f"page {i}",), text) for i, text in enumerate(pages, 1) if text]
    if not sections:
        return Skipped(source, "PDF has no extractable text (scanned images?)")
    first_line = sections[0].text.splitlines()[0].strip()
    return Document(source, title or first_line[:120] or source.rsplit("/", 1)[-1], sections)
