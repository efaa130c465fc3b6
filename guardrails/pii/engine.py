"""The PII scanner: one Presidio `AnalyzerEngine` for English and Chinese, built once per process.

`scan(text)` returns non-overlapping spans as Python string offsets. A message with both scripts is
scanned for both languages: the language-neutral recognizers (phone, email, cards, IDs, WeChat, IP)
run once, the names and addresses of the other language run on its part of the text.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import os
import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass

from guardrails.pii.text import HAN, MAX_SCAN_CHARS, TextTooLong, fold_width

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # presidio imports tldextract: never fetch
# Presidio logs a line per recognizer while the scanner loads; they carry nothing an operator needs.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)

ENTITIES = ("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CN_RESIDENT_ID", "US_SSN", "CREDIT_CARD", "WECHAT_ID",
            "IP_ADDRESS", "STREET_ADDRESS")
LANGUAGE_SPECIFIC = ["PERSON", "STREET_ADDRESS"]
CAPITALISED = re.compile(r"(?:^|[^A-Za-z])[A-Z][a-z]")
MIN_SCORE = 0.5
SEEN_MAX = 4096  # remembered scan results (a digest and offsets each)


@dataclass(frozen=True, order=True)
class PiiSpan:
    start: int
    end: int
    type: str
    score: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class PiiScanner:
    def __init__(self) -> None:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

        from guardrails.pii.nlp import BilingualNlpEngine
        from guardrails.pii.recognizers import all_recognizers

        nlp = BilingualNlpEngine()
        nlp.load()
        registry = RecognizerRegistry(supported_languages=["en", "zh"])
        for recognizer in all_recognizers():
            registry.add_recognizer(recognizer)
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en", "zh"],
                                       default_score_threshold=MIN_SCORE)
        self._lock = threading.Lock()  # spaCy and jieba objects are not documented as thread-safe
        # The same texts come back many times (a turn scans its retrieved passages, the draft twice; popular
        # passages recur across turns). Results are remembered by a digest of the text: offsets and types
        # only, never the text or its values.
        self._seen: OrderedDict[tuple[bytes, str | None], tuple[PiiSpan, ...]] = OrderedDict()

    def scan(self, text: str, lang: str | None = None) -> list[PiiSpan]:
        """PII spans in `text`, ordered and non-overlapping. Raises TextTooLong above MAX_SCAN_CHARS."""
        if len(text) > MAX_SCAN_CHARS:
            raise TextTooLong(len(text))
        if not text.strip():
            return []
        key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), lang)
        with self._lock:
            if (known := self._seen.get(key)) is not None:
                self._seen.move_to_end(key)
                return list(known)
        spans = self._scan(text, lang)
        with self._lock:
            self._seen[key] = tuple(spans)
            if len(self._seen) > SEEN_MAX:
                self._seen.popitem(last=False)
        return spans

    def _scan(self, text: str, lang: str | None) -> list[PiiSpan]:
        folded = fold_width(text)
        han = len(HAN.findall(folded))
        latin_words = len(re.findall(r"[A-Za-z]{2,}", folded))
        primary = lang if lang in ("en", "zh") else ("zh" if han and han >= latin_words else "en")
        with self._lock:
            results = self._analyze(folded, primary, list(ENTITIES), 0)
            if primary == "zh" and latin_words and CAPITALISED.search(folded):
                results += self._analyze(folded, "en", LANGUAGE_SPECIFIC, 0)
            elif primary == "en" and han:
                results += self._analyze(folded, "zh", LANGUAGE_SPECIFIC, 0)
        return [s for s in _resolve(results) if not _machine_address(s, folded)]

    def _analyze(self, text: str, language: str, entities: list[str], offset: int) -> list[PiiSpan]:
        return [PiiSpan(r.start + offset, r.end + offset, r.entity_type, round(float(r.score), 2))
                for r in self.analyzer.analyze(text, language=language, entities=entities)]


def _machine_address(span: PiiSpan, text: str) -> bool:
    """A loopback or unspecified IP (127.0.0.1, ::1, 0.0.0.0) names this machine, never a person: redacting
    it only hides where our own services listen."""
    if span.type != "IP_ADDRESS":
        return False
    try:
        address = ipaddress.ip_address(text[span.start:span.end].strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _resolve(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Keep the longest (then most confident) of overlapping spans; return them in text order."""
    kept: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), -s.score, s.start)):
        if span.end > span.start and all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept)


_scanner_lock = threading.Lock()
_building = threading.local()


class ScannerNotReady(RuntimeError):
    """Asked for the scanner on the thread that is building it (e.g. a library logs while it loads)."""


@functools.cache
def _build() -> PiiScanner:
    return PiiScanner()


def get_scanner() -> PiiScanner:
    """The process-wide scanner (built on first use, ~2 s). Building it imports Presidio, which logs; with
    log redaction installed that log record asks for the scanner again on the same thread. It gets
    ScannerNotReady (the redaction filter then withholds the record) instead of waiting on itself forever."""
    if getattr(_building, "active", False):
        raise ScannerNotReady("the PII scanner is still being built on this thread")
    with _scanner_lock:
        _building.active = True
        try:
            return _build()
        finally:
            _building.active = False


def scan(text: str, lang: str | None = None) -> list[PiiSpan]:
    return get_scanner().scan(text, lang)
