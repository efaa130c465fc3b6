"""Bilingual query expansion: the glossary terms found in a question, translated to the other language.

Dense embeddings carry most cross-lingual meaning, but product words ("warehouse", "商业版") are where a
small model is weakest and where the lexical index needs the other language's word to match at all.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from retrieval.language import detect_language

BUILTIN = Path(__file__).parent / "data" / "glossary.tsv"


@dataclass(frozen=True)
class Entry:
    en: tuple[str, ...]
    zh: tuple[str, ...]


class Glossary:
    def __init__(self, entries: list[Entry]):
        self.entries = entries
        # English terms match on word boundaries, longest first so "time travel" wins over "time"
        self._en = [(re.compile(rf"(?<![a-z0-9]){re.escape(t)}s?(?![a-z0-9])"), e) for e in entries for t in e.en]
        self._en.sort(key=lambda pair: -len(pair[0].pattern))
        self._zh = sorted(((t, e) for e in entries for t in e.zh), key=lambda pair: -len(pair[0]))

    @classmethod
    def load(cls, *paths: Path) -> Glossary:
        """From TSV files: `english|synonym<TAB>中文|同义词`, one concept a line, # for comments."""
        return cls.load_lines([line for path in paths for line in path.read_text(encoding="utf-8").splitlines()])

    @classmethod
    def load_lines(cls, lines: list[str]) -> Glossary:
        entries = []
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            en, _, zh = line.partition("\t")
            entries.append(Entry(tuple(t.strip().lower() for t in en.split("|") if t.strip()),
                                 tuple(t.strip() for t in zh.split("|") if t.strip())))
        return cls(entries)

    def expand(self, query: str) -> str:
        """Synonyms and translations of the glossary terms in `query` ("" when none): "how much" brings
        "price", "pricing", "价格"…; "商业版" brings "business", "商业"."""
        text = query.lower()
        found: list[str] = []
        if detect_language(query) == "zh":
            for term, entry in self._zh:
                if term in text:
                    text = text.replace(term, " ")
                    found += [*entry.en, *(t for t in entry.zh if t != term)]
        else:
            for pattern, entry in self._en:
                if pattern.search(text):
                    text = pattern.sub(" ", text)
                    found += [*entry.zh, *entry.en]
        return " ".join(dict.fromkeys(found))


@functools.cache
def builtin_glossary() -> Glossary:
    return Glossary.load(BUILTIN)
