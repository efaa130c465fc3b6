"""Documents → chunks: split by headings first, then by a token budget, never inside a table row.

Each chunk carries its page title and heading path. They go into the text that is embedded and
indexed, because a short chunk ("Pricing > Standard: $1.00 per hour") means little without them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from retrieval.language import detect_language
from retrieval.loaders.document import Document
from retrieval.loaders.markdown import load_markdown, parse_front_matter
from retrieval.tokens import count_tokens, truncate_tokens

__all__ = ["Chunk", "chunk_document", "chunk_markdown", "detect_language", "parse_front_matter", "split_by_tokens"]

CODE_FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1[^\n]*$", re.S | re.M)
TABLE_RULE = re.compile(r"^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$", re.M)
# Small local embedders read the first couple of hundred tokens well and the rest poorly, and
# embedding time grows with every token: code and the tail of a long chunk are left to BM25.
EMBED_TOKENS = 128


@dataclass(frozen=True)
class Chunk:
    text: str
    source: str
    heading_path: tuple[str, ...]
    title: str
    language: str
    audience: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    def context_line(self) -> str:
        return " > ".join(dict.fromkeys(h for h in (self.title, *self.heading_path) if h))

    def search_text(self) -> str:
        """What BM25 indexes: context line and the whole text, code included (identifiers matter)."""
        head = self.context_line()
        return f"{head}\n{self.text}" if head else self.text

    def embedding_text(self, max_tokens: int | None = None) -> str:
        prose = CODE_FENCE.sub(" ", self.text).strip() or self.text
        # table pipes and rule rows cost tokens and blur the vector; cells separated by ";" read better
        prose = TABLE_RULE.sub("", prose)
        prose = "\n".join(" ; ".join(c.strip() for c in line.strip().strip("|").split("|"))
                          if line.lstrip().startswith("|") else line for line in prose.splitlines() if line.strip())
        head = self.context_line()
        text = f"{head}\n{prose}" if head else prose
        return truncate_tokens(text, max_tokens or EMBED_TOKENS)


def _blocks(text: str) -> list[str]:
    """Paragraphs; a fenced code block stays one block even when it contains blank lines."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and not line.strip():
            if current:
                blocks.append("\n".join(current).strip())
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current).strip())
    return [b for b in blocks if b]


def _is_table(block: str) -> bool:
    lines = block.splitlines()
    return len(lines) >= 2 and all(line.lstrip().startswith("|") for line in lines[:2])


def _units(text: str, budget: int) -> list[tuple[str, str, str]]:
    """(separator before, text, table header to repeat) for each unit that may start a new piece."""
    units: list[tuple[str, str, str]] = []
    for block in _blocks(text):
        if count_tokens(block) <= budget:
            units.append(("\n\n", block, ""))
            continue
        lines = block.splitlines()
        header = "\n".join(lines[:2]) if _is_table(block) else ""
        body = lines[2:] if header else lines
        units.append(("\n\n", header or body[0], ""))
        for line in body if header else body[1:]:
            # a single line longer than the budget (minified text, a huge row) is cut by tokens
            while count_tokens(line) > budget:
                head = truncate_tokens(line, budget)
                units.append(("\n", head, header))
                line = line[len(head):]
            units.append(("\n", line, header))
    return units


def split_by_tokens(text: str, budget: int, overlap: int) -> list[str]:
    """Pieces of at most ~budget tokens. Blocks stay whole when they fit; a long table is split
    between rows and each piece repeats its header row so it stays readable on its own."""
    if count_tokens(text) <= budget:
        return [text]
    pieces: list[str] = []
    current = ""
    size = 0
    last_unit = ""
    for sep, unit, header in _units(text, budget):
        n = count_tokens(unit)
        if current and size + n > budget:
            pieces.append(current)
            # carry a short tail forward so a fact straddling the cut is found from both sides
            tail = last_unit if count_tokens(last_unit) <= overlap and not header else ""
            current = header or tail
            size = count_tokens(current) if current else 0
            sep = "\n" if header else "\n\n"
        current = f"{current}{sep}{unit}" if current else unit
        size += n
        last_unit = unit
    if current:
        pieces.append(current)
    return pieces


def chunk_document(doc: Document, *, audience: str, budget: int = 450, overlap: int = 40,
                   extra: dict[str, str] | None = None) -> list[Chunk]:
    chunks = []
    # one language per document: a code-only or table-only chunk of a Chinese page is still Chinese
    language = doc.language or detect_language("\n".join(s.text for s in doc.sections)[:20000])
    for section in doc.sections:
        for piece in split_by_tokens(section.text, budget, overlap):
            chunks.append(Chunk(piece, doc.source, section.heading_path, doc.title, language, audience,
                                dict(extra or {})))
    return chunks


def chunk_markdown(text: str, *, source: str, audience: str, budget: int = 450, overlap: int = 40) -> list[Chunk]:
    return chunk_document(load_markdown(text, source), audience=audience, budget=budget, overlap=overlap)
