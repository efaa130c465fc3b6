"""Lexical search: BM25 (bm25s) over words for English and jieba words for Chinese.

The index is saved next to the vectors (one folder per collection, tagged with the collection's
revision) so a query never rebuilds it; a stale or missing index is rebuilt once from the stored
chunks, which is also how a second app node catches up with a shared Chroma server.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import shutil
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# bump when tokenisation changes: saved indexes of another version are rebuilt on first use
LEXICAL_VERSION = "3"
BM25_K1, BM25_B = 1.5, 0.75

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"v?\d+(?:\.\d+)+|\d+|[a-z]+\d*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
VERSION = re.compile(r"v?(\d+(?:\.\d+)+)")
EN_STOP = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "u", "us", "was", "we", "were", "what", "whats", "when", "where", "which", "while", "who", "why", "will", "with", "would", "you", "your", "yours", "hey", "hi", "hello", "please", "thanks", "need", "want", "get", "any"])
ZH_STOP = frozenset(["的", "了", "是", "吗", "吧", "呢", "啊", "呀", "和", "与", "及", "或", "在", "有", "也", "都", "就", "还", "要", "会", "能", "可以", "我", "我们", "你", "你们", "您", "他", "它", "这", "那", "这个", "那个", "哪个", "什么", "怎么", "怎样", "如何", "多少", "几", "个", "一", "一下", "请问", "请", "对", "把", "被", "让", "给", "吗？", "，", "。"])


@functools.cache
def _jieba():  # noqa: ANN202 - the jieba module, initialised quietly once
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    # product vocabulary segments as whole words ("云厂商", not "换云" + "厂商")
    from retrieval.glossary import builtin_glossary

    for entry in builtin_glossary().entries:
        for term in entry.zh:
            if HAN.fullmatch(term) and len(term) > 1:
                jieba.add_word(term, freq=2000)
    return jieba


def _stem(word: str) -> str:
    """A deliberately light English stemmer: plurals only ("policies" → "policy", "warehouses" → "warehouse")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str, query: bool = False) -> list[str]:
    """Index tokens. Chinese is segmented finely for documents (jieba's search mode: "时间回溯" is also
    "时间" and "回溯", so a query segmented either way matches) and precisely for queries (each word once:
    a compound would otherwise score as two or three words, outweighing the question's other words).
    Precise words are a subset of the search-mode ones, so every query word can match. A query also drops
    question and conversation words (`ZH_QUESTION_WORDS`: "多久", "有没有"), as English drops "how", "need":
    they name no subject, and the few pages that happen to hold them gain nothing real."""
    tokens: list[str] = []
    for match in WORD.finditer(text.lower()):
        word = match.group(0)
        if HAN.fullmatch(word):
            cut = _jieba().lcut(word) if query else _jieba().cut_for_search(word)
            tokens += [w for w in cut if w not in ZH_STOP and not (query and w in ZH_QUESTION_WORDS)]
        elif version := VERSION.fullmatch(word):
            # "v1.2.0" also matches a question about "1.2"; "$1.00" stays "1.00"
            parts = version.group(1).split(".")
            tokens += [".".join(parts)] + ([".".join(parts[:2])] if len(parts) > 2 else [])
        elif word not in EN_STOP:
            tokens.append(_stem(word))
    return tokens


ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*\b")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


# question and conversation words that never name what a question is about
ZH_QUESTION_WORDS = frozenset(["有没有", "能不能", "是不是", "可不可以", "多少钱", "多少", "多久", "几次", "几个", "哪些", "哪天",
                               "哪个", "哪里", "以后", "之后", "以前", "最少", "最多", "你好", "您好", "谢谢", "感谢", "好的", "了解",
                               "知道", "想要", "咨询", "问一下", "一下", "现在", "目前", "时候", "需要", "可以", "支持", "请问"])


def key_terms(text: str) -> list[str]:
    """What a question is about, as index tokens: acronyms ("HIPAA", "SLA"), other Latin words of four or
    more letters, and Chinese words of two or more characters (jieba; a run of single characters jieba
    could not place, "等"+"保", is taken as one unknown word "等保"), without stop and question words."""
    terms: list[str] = []
    for word in LATIN_WORD.findall(text):
        if ACRONYM.fullmatch(word) or (len(word) >= 4 and word.lower() not in EN_STOP):
            terms.append(_stem(word.lower()))
    for run in HAN.findall(text):
        singles = ""
        for w in [*_jieba().lcut(run), ""]:
            if len(w) == 1 and w not in ZH_STOP:
                singles += w
                continue
            terms += [singles] if len(singles) > 1 else []
            singles = ""
            if len(w) > 1 and w not in ZH_STOP and w not in ZH_QUESTION_WORDS:
                terms.append(w)
    return list(dict.fromkeys(terms))


def _bm25(token_lists: list[list[str]]):  # noqa: ANN202 - bm25s.BM25 or None when empty
    import bm25s

    if not token_lists:
        return None
    retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    retriever.index([t or ["\u2205"] for t in token_lists], show_progress=False)
    return retriever


def _top(retriever, keys: list[str], tokens: list[str], n: int, extra: list[str] = (),  # noqa: ANN001
         extra_weight: float = 0.0) -> list[tuple[str, float]]:
    if retriever is None or not (tokens or extra):
        return []
    if extra_weight == 1.0:  # BM25 sums per-word scores: one pass over the index instead of two
        tokens, extra = [*tokens, *extra], []
    scores = np.zeros(len(keys), dtype=np.float32)
    if tokens:
        scores += np.asarray(retriever.get_scores(tokens), dtype=np.float32)
    if extra and extra_weight:
        scores += extra_weight * np.asarray(retriever.get_scores(list(extra)), dtype=np.float32)
    n = min(n, len(scores))
    best = np.argpartition(-scores, n - 1)[:n]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(keys[i], float(scores[i])) for i in best if scores[i] > 0]


class LexicalIndex:
    """BM25 over chunks and over whole pages (all chunks of a source), rebuilt whole when the
    collection changes: that takes about a second per 10k chunks, far less than embedding them."""

    def __init__(self, records: list[dict], chunks, pages, revision: str):  # noqa: ANN001 - bm25s.BM25
        self.records = records  # per chunk: id, text and metadata, so a hit needs no second lookup
        self.ids = [r["id"] for r in records]
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.sources = list(dict.fromkeys(r.get("source", "") for r in records))
        self.revision = revision
        self._chunks = chunks
        self._pages = pages
        self._own_heading: dict[int, frozenset[str]] = {}

    def own_heading(self, position: int) -> frozenset[str]:
        """Words of a chunk's last heading that are not in its page title (memoised: searches ask for
        the same candidates over and over, and segmenting Chinese headings is the costly part)."""
        if (words := self._own_heading.get(position)) is None:
            rec = self.records[position]
            last = rec.get("heading", "").rsplit(" > ", 1)[-1]
            words = frozenset(tokenize(last)) - frozenset(tokenize(rec.get("title", ""))) if last else frozenset()
            self._own_heading[position] = words
        return words

    @classmethod
    def build(cls, records: list[dict], texts: list[str], revision: str) -> LexicalIndex:
        tokens = [tokenize(t) for t in texts]
        by_page: dict[str, list[str]] = {}
        for rec, toks in zip(records, tokens, strict=True):
            by_page.setdefault(rec.get("source", ""), []).extend(toks)
        return cls(list(records), _bm25(tokens), _bm25(list(by_page.values())), revision)

    def knows(self, token: str) -> bool:
        """Whether any chunk of this collection contains the token."""
        return self._chunks is not None and token in self._chunks.vocab_dict

    def matchable(self, tokens: list[str]) -> list[str]:
        """The query's tokens, with a Chinese word that jieba guessed (it is in no dictionary) and that no
        chunk contains replaced by its characters that some chunk does: jieba joins characters it cannot
        place into a word ("虚拟列能" → "虚拟" + "列能"), and such a word matches nothing. A dictionary word
        no chunk contains ("美元") stays: that absence is information, not a segmentation slip."""
        out: list[str] = []
        for t in tokens:
            if len(t) > 1 and HAN.fullmatch(t) and not self.knows(t) and not _jieba().dt.FREQ.get(t):
                out += [c for c in t if c not in ZH_STOP and self.knows(c)]
            else:
                out.append(t)
        return out

    def top(self, tokens: list[str], n: int, extra: list[str] = (), extra_weight: float = 0.0) -> list[tuple[str, float]]:
        """(chunk id, score), best first; `extra` tokens (an expansion of the query) count `extra_weight`."""
        return _top(self._chunks, self.ids, tokens, n, extra, extra_weight)

    def top_pages(self, tokens: list[str], n: int, extra: list[str] = (),
                  extra_weight: float = 0.0) -> list[tuple[str, float]]:
        """(source, score), best first, scoring each page as one document."""
        return _top(self._pages, self.sources, tokens, n, extra, extra_weight)

    # -- persistence ----------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, retriever in (("chunks", self._chunks), ("pages", self._pages)):
            if retriever is not None:
                retriever.save(str(tmp / name), show_progress=False)
        (tmp / "manifest.json").write_text(json.dumps({"revision": self.revision, "version": LEXICAL_VERSION, "records": self.records},
                                                      ensure_ascii=False))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.replace(folder)

    @classmethod
    def load(cls, folder: Path, revision: str) -> LexicalIndex | None:
        """The saved index if it matches `revision`, else None."""
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            return None
        if manifest.get("revision") != revision or manifest.get("version") != LEXICAL_VERSION:
            return None
        import bm25s

        records = manifest.get("records", [])
        if not records:
            return cls([], None, None, revision)
        try:
            return cls(records, bm25s.BM25.load(str(folder / "chunks"), show_progress=False),
                       bm25s.BM25.load(str(folder / "pages"), show_progress=False), revision)
        except (OSError, ValueError, KeyError) as exc:  # a half-written or older-format index: rebuild it
            log.warning("BM25 index in %s is unreadable (%s); rebuilding", folder, exc)
            return None
