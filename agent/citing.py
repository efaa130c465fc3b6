"""Turn an answer's [n] markers into citations (source, heading, quoted span), renumbered in order.

Small models often forget the markers; then we attribute by overlap: a source is cited when the
answer shares enough distinctive words or numbers with it.
"""

from __future__ import annotations

import re

from retrieval.citations import WORD, Citation, best_quote
from retrieval.knowledge import Hit

MARKER = re.compile(r"\[(\d{1,2})\]")
MIN_SHARED = 4


def _shared(answer: str, text: str) -> int:
    a = {w.lower() for w in WORD.findall(answer) if len(w) > 2 or not w.isascii()}
    return len(a & {w.lower() for w in WORD.findall(text)})


def attach_citations(answer: str, sources: list[Hit], max_citations: int = 3) -> tuple[str, list[Citation]]:
    order: list[int] = []
    for m in MARKER.finditer(answer):
        n = int(m.group(1))
        if 1 <= n <= len(sources) and n not in order:
            order.append(n)
    if not order:
        scored = sorted(((_shared(answer, h.text), i + 1) for i, h in enumerate(sources)), reverse=True)
        order = [n for score, n in scored[:max_citations] if score >= MIN_SHARED]
    renumber = {old: new for new, old in enumerate(order, start=1)}

    def _swap(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[{renumber[n]}]" if n in renumber else ""

    text = re.sub(r"\s+([.,!?。，！？])", r"\1", MARKER.sub(_swap, answer)).strip()
    citations = [Citation(sources[n - 1].chunk_id, sources[n - 1].source, sources[n - 1].heading,
                          best_quote(sources[n - 1].text, answer)) for n in order]
    return text, citations
