"""Turn an answer's [n] markers into citations (source, heading, quoted span), renumbered in order.

Small models often forget the markers; then we attribute by overlap: a source is cited when the
answer shares enough meaningful terms with it (filler words do not count) and at least one of them is
distinctive. A reply that uses no source (a greeting, a polite refusal) shows none.
"""

from __future__ import annotations

import re

from retrieval.citations import Citation, best_quote, overlap_terms
from retrieval.knowledge import Hit

MARKER = re.compile(r"\[(\d{1,2})\]")
MIN_SHARED = 4
# Words every answer and every source share; they say nothing about which source supports a claim.
COMMON = frozenset([
    "the", "and", "for", "with", "you", "your", "our", "are", "can", "not", "this", "that", "will", "have",
    "has", "from", "they", "them", "their", "was", "were", "been", "which", "what", "when", "where", "how",
    "also", "all", "any", "more", "some", "other", "than", "then", "into", "about", "only", "each", "per",
    "use", "used", "using", "yes", "please", "thanks", "support", "supports", "supported", "available", "plan",
    "plans", "我们", "您可", "可以", "如果", "需要", "以及", "没有", "什么", "一个", "这个", "支持", "提供", "您的", "使用", "的话", "是否",
])


def _distinctive(shared: set[str], common: set[str]) -> bool:
    """A shared number, or a shared term that is neither filler nor in every retrieved source (the
    product's own name is): "Databend Cloud … compliant" proves nothing about which page says so."""
    return any(any(ch.isdigit() for ch in t) or (t not in COMMON and t not in common) for t in shared)


def _overlap(answer: str, sources: list[Hit]) -> list[tuple[int, int]]:
    """(shared terms, source number) for sources with a distinctive shared term, best first."""
    a = overlap_terms(answer)
    texts = [overlap_terms(h.text) for h in sources]
    common = set.intersection(*texts) if len(texts) > 1 else set()
    # only words that carry meaning count towards MIN_SHARED: "for", "with", "the" were most of what put a
    # Slack page under a reply that only said a colleague would follow up
    scored = [(len(shared - COMMON), i + 1) for i, t in enumerate(texts) if _distinctive(shared := a & t, common)]
    return sorted(scored, reverse=True)


def attach_citations(answer: str, sources: list[Hit], max_citations: int = 3) -> tuple[str, list[Citation]]:
    order: list[int] = []
    for m in MARKER.finditer(answer):
        n = int(m.group(1))
        if 1 <= n <= len(sources) and n not in order:
            order.append(n)
    if not order:
        order = [n for score, n in _overlap(answer, sources)[:max_citations] if score >= MIN_SHARED]
    renumber = {old: new for new, old in enumerate(order, start=1)}

    def _swap(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[{renumber[n]}]" if n in renumber else ""

    text = re.sub(r"\s+([.,!?。，！？])", r"\1", MARKER.sub(_swap, answer)).strip()
    citations = [Citation(sources[n - 1].chunk_id, sources[n - 1].source, sources[n - 1].heading,
                          best_quote(sources[n - 1].text, answer)) for n in order]
    return text, citations
