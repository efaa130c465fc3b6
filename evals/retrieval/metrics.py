"""Ranking metrics over pages (a page = a source path). Binary relevance: a page is gold or not."""

from __future__ import annotations

import math
from collections.abc import Sequence


def first_gold_rank(ranked: Sequence[str], gold: set[str]) -> int | None:
    """1-based rank of the first gold page, None when no gold page was retrieved."""
    return next((i for i, page in enumerate(ranked, 1) if page in gold), None)


def recall_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """1 when any gold page is in the top k (any one of them answers the question)."""
    return 1.0 if gold & set(ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    rank = first_gold_rank(ranked[:k], gold)
    return 1.0 / rank if rank else 0.0


def ndcg_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i, page in enumerate(ranked[:k], 1) if page in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def distinct_pages(sources: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(sources))
