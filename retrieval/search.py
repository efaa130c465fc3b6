"""Hybrid search over the collections one audience may read: dense + BM25 over chunks and pages
(+ a bilingual glossary expansion of the query), each list's scores scaled to 0..1 and summed per
chunk and per page, best chunks of the best pages first.

A `Searcher` is built for one audience and holds only that audience's collections: nothing passed
to `search` (which is all the model controls) can reach another audience's chunks.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from retrieval.answer_type import wanted_answer
from retrieval.embeddings import Embedder
from retrieval.fusion import FusionConfig, fuse, order_chunks, pool_translations, translation_key
from retrieval.glossary import Glossary
from retrieval.language import detect_language
from retrieval.lexical import key_terms, tokenize
from retrieval.query import clean_query
from retrieval.store import CollectionStore

MAX_QUERY_TOKENS = 256
Key = tuple[int, str]  # (collection position, chunk id): ids are unique within a collection only
METHODS = ("dense", "lexical", "lexical_pages", "expansion", "heading", "answer_type", "translations")


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    text: str
    source: str
    heading: str
    title: str
    language: str
    score: float
    audience: str = "public"
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. contact_id for a past case


@dataclass(frozen=True)
class SearchConfig:
    candidates: int = 50  # per list and collection
    # measured on the Databend dev questions (evals/bench/bench_retrieval.py); round numbers on purpose
    weights: dict[str, float] = field(default_factory=lambda: {"dense": 0.7, "lexical": 1.0, "lexical_pages": 1.0})
    expansion_weight: float = 1.0  # a glossary term's weight in BM25 relative to the query's own words
    answer_type_weight: float = 0.5  # bonus for a candidate holding the value asked for (retrieval/answer_type.py)
    heading_weight: float = 0.3  # bonus for a candidate whose own section heading has a query word
    translation_weight: float = 0.3  # share of a page's translation's score it also gets (fusion.pool_translations)
    fusion: FusionConfig = field(default_factory=lambda: FusionConfig(mode="score"))
    # In a bilingual knowledge base the best page in the other language is shown by this (0-based)
    # page position at the latest: docs often differ by language (prices by region, marketplaces),
    # and an answer may exist only in the other language. None turns it off.
    other_language_by: int | None = 2
    methods: tuple[str, ...] = METHODS  # benchmarks switch parts off to measure baselines


class Searcher:
    def __init__(self, stores: list[CollectionStore], embedder: Embedder, glossary: Glossary | None = None,
                 config: SearchConfig | None = None):
        self._stores = stores
        self._embedder = embedder
        self._glossary = glossary
        self.config = config or SearchConfig()

    @property
    def collections(self) -> list[str]:
        return [s.name for s in self._stores]

    def unknown_terms(self, query: str) -> list[str]:
        """The question's key terms (`lexical.key_terms`) that occur in no document this audience can read.
        Nothing is judged unknown when nothing is indexed yet: there is no documentation to compare with."""
        indexes = [ix for store in self._stores if (ix := store.lexical()).ids]
        if not indexes:
            return []
        return [t for t in key_terms(query) if not any(ix.knows(t) for ix in indexes)]

    def search(self, query: str, k: int = 4) -> list[Hit]:
        q = clean_query(query)
        if not q or k <= 0:
            return []
        cfg = self.config
        on = {m for m in cfg.methods if cfg.weights.get(m, 1.0) > 0}
        indexes = [(store, ix) for store in self._stores if (ix := store.lexical()).ids]
        if not indexes:
            return []
        tokens = tokenize(q, query=True)[:MAX_QUERY_TOKENS]
        expansion = self._glossary.expand(q) if self._glossary and "expansion" in on else ""
        known = set(tokens)
        exp_tokens = [t for t in tokenize(expansion, query=True) if t not in known]
        vec = self._embedder.embed_query(q).tolist() if "dense" in on else None
        # Dense similarities are comparable across collections (one model), so their candidates merge
        # into one list. BM25 scores are not (each index has its own IDF), so every collection's
        # lexical ranking is a list of its own in the fusion.
        dense: list[tuple[Key, float]] = []
        chunk_lists: list[tuple[str, list[tuple[Key, float]]]] = []
        page_lists: list[tuple[str, list[tuple[tuple[int, str], float]]]] = []
        for n, (store, ix) in enumerate(indexes):
            if vec is not None:
                res = store.col.query(query_embeddings=[vec], n_results=min(cfg.candidates, len(ix.ids)),
                                      include=["distances"])
                dense += [((n, cid), 1.0 - d) for cid, d in
                          zip(res["ids"][0], res["distances"][0], strict=True) if cid in ix.position]
            # the expansion joins the query's own BM25 scoring at a lower weight (same index, same IDF),
            # rather than being a list of its own that RRF would credit as much as the query itself
            exp, exp_w = (exp_tokens, cfg.expansion_weight) if "expansion" in on else ([], 0.0)
            own = ix.matchable(tokens)
            if "lexical" in on:
                chunk_lists.append(("lexical", [((n, cid), sc) for cid, sc in
                                                ix.top(own, cfg.candidates, exp, exp_w)]))
            if "lexical_pages" in on:
                page_lists.append(("lexical_pages", [((n, src), sc) for src, sc in
                                                     ix.top_pages(own, cfg.candidates, exp, exp_w)]))
        if dense:
            chunk_lists.append(("dense", sorted(dense, key=lambda p: (-p[1], str(p[0])))))
        keys = {key for _, scored in chunk_lists for key, _ in scored}
        if not keys:
            return []
        records = {key: indexes[key[0]][1].records[indexes[key[0]][1].position[key[1]]] for key in keys}
        page_of: dict[Hashable, Hashable] = {key: (key[0], records[key].get("source", key[1])) for key in keys}
        weighted = [(scored, cfg.weights[m], m == "dense") for m, scored in chunk_lists]
        # reranking signal: candidates holding the kind of value the question asks for (a price, a duration)
        wanted = wanted_answer(q) if "answer_type" in on else None
        if wanted is not None:
            weighted.append(([(key, 1.0) for key in sorted(keys, key=str) if wanted.search(records[key].get("text", ""))],
                             cfg.answer_type_weight, False))
        pages_weighted = [(scored, cfg.weights[m], False) for m, scored in page_lists]
        chunk_scores, page_scores = fuse(weighted, pages_weighted, page_of, cfg.fusion)
        twins = _translation_keys(page_scores) if "translations" in on else {}  # every page, found by chunk or whole
        if twins:
            page_scores = pool_translations(page_scores, twins, cfg.translation_weight)
        # within a page, a section whose own heading names what is asked about ("Prices" for "how much…")
        # is likelier the answer than a sibling that only shares the page title (BM25F-style field boost);
        # it orders sections, it does not make a page more relevant
        if "heading" in on:
            asked = known | set(exp_tokens)
            for key in chunk_scores:
                ix = indexes[key[0]][1]
                if asked & ix.own_heading(ix.position[key[1]]):
                    chunk_scores[key] += cfg.heading_weight
        if cfg.fusion.page_level:
            order = order_chunks(chunk_scores, page_scores, page_of, cfg.fusion.within_page_decay)
        else:
            order = sorted(chunk_scores, key=lambda c: (-chunk_scores[c], str(c)))
        if twins:
            order = _translations_apart(order, page_of, twins)
        if cfg.other_language_by is not None:
            order = _other_language_by(order, page_of, records, detect_language(q), cfg.other_language_by)
        return [_hit(records[key], chunk_scores[key], indexes[key[0]][0].audience) for key in order[:k]]


def _translation_keys(pages: Iterable[Hashable]) -> dict[Hashable, str]:
    """Page → the key its translations share; within one collection only (ids are per collection)."""
    return {page: f"{page[0]}:{translation_key(page[1])}" for page in set(pages)}


def _translations_apart(order: list[Key], page_of: dict[Hashable, Hashable], twins: dict[Hashable, str]) -> list[Key]:
    """A chunk of a page whose translation already came earlier steps back behind the next chunk: pooled
    evidence ranks translations together, and two sources saying the same thing in two languages would
    take both of a small model's source slots."""
    first_page: dict[str, Hashable] = {}  # translation key → the page of it that came first
    placed: list[tuple[float, Key]] = []
    for i, key in enumerate(order):
        page = page_of[key]
        leader = first_page.setdefault(twins[page], page)
        placed.append((i + 1.5 if leader != page else i, key))
    return [key for _, key in sorted(placed, key=lambda p: p[0])]


def _other_language_by(order: list[Key], page_of: dict[Hashable, Hashable], records: dict[Key, dict[str, Any]],
                       language: str, position: int) -> list[Key]:
    """Move the best chunk of the best other-language page up to page `position` if it is lower."""
    pages: list[Hashable] = []
    for key in order:
        if page_of[key] in pages:
            continue
        if records[key].get("language", language) != language:
            if len(pages) <= position:
                return order  # already shown early enough
            cut = next(j for j, other in enumerate(order) if page_of[other] == pages[position])
            return [*order[:cut], key, *[o for o in order[cut:] if o != key]]
        pages.append(page_of[key])
    return order


def _hit(rec: dict[str, Any], score: float, audience: str) -> Hit:
    known = {"id", "text", "source", "heading", "title", "language", "audience"}
    return Hit(rec["id"], rec.get("text", ""), rec.get("source", ""), rec.get("heading", ""), rec.get("title", ""),
               rec.get("language", ""), round(score, 6), audience, {k: v for k, v in rec.items() if k not in known})
