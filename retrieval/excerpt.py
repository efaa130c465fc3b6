"""The part of a passage that answers the question, when the whole passage does not fit.

A small local model reads every prompt token before it writes the first word (about 80 tokens a second
on two cores), so its sources get a small budget. Cutting a chunk at the budget keeps its beginning,
which is often an introduction while the price or the limit asked about sits in row 7 of a table.
Here the chunk's lines and sentences are scored against the question (its index words, the glossary's
translations of them, and the kind of value it asks for) and the best ones are kept in their original
order, with "…" where text was left out; a table row keeps the table's header row so it still reads.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

from retrieval.answer_type import wanted_answer
from retrieval.chunking import TABLE_RULE
from retrieval.glossary import builtin_glossary
from retrieval.lexical import tokenize
from retrieval.tokens import count_tokens, truncate_tokens

GAP = "…"
# sentence ends inside a line: after .!? and a space (not 99.9, $1.50), or after 。！？
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|(?<=[。！？])")


def _units(text: str) -> list[tuple[str, int | None]]:
    """(unit, index of its table's header unit or None). Lines; prose lines split into sentences."""
    units: list[tuple[str, int | None]] = []
    header: int | None = None
    for line in text.splitlines():
        if not line.strip():
            header = None
            continue
        if line.lstrip().startswith("|"):
            if TABLE_RULE.match(line):
                continue  # the |---| rule adds nothing a reader needs
            if header is None:
                header = len(units)
                units.append((line, None))
            else:
                units.append((line, header))
            continue
        header = None
        units += [(s, None) for s in _SENTENCE_END.split(line) if s.strip()]
    return units


@functools.lru_cache(maxsize=256)  # every source of every model call of a turn asks about the same question
def _asked(question: str) -> tuple[frozenset[str], frozenset[str], re.Pattern[str] | None]:
    """(the question's index words, the glossary's translations of them, the kind of value it asks for)."""
    own = frozenset(tokenize(question))
    return own, frozenset(tokenize(builtin_glossary().expand(question))) - own, wanted_answer(question)


def focused_excerpt(text: str, question: str, max_tokens: int) -> str:
    """`text` itself when it fits in `max_tokens`, else its units most relevant to `question`."""
    if max_tokens <= 0 or count_tokens(text) <= max_tokens:
        return text
    units = _units(text)
    own, translated, wanted = _asked(question)
    words = [set(tokenize(unit)) & (own | translated) for unit, _ in units]
    df = Counter(w for ws in words for w in ws)

    def score(i: int) -> float:
        # a question word found in one line of the passage ("Medium") says more than one found in every
        # line ("warehouse"), as IDF does; the glossary's synonyms and translations count half
        s = sum(math.log(1 + len(units) / df[w]) * (1.0 if w in own else 0.5) for w in words[i])
        if wanted is not None and wanted.search(units[i][0]):  # holds the kind of value asked for
            s += 2.0 if words[i] else 0.5
        return s - i * 1e-3  # on a tie the earlier unit: documents lead with what matters

    keep: set[int] = set()
    used = 0
    for i in sorted(range(len(units)), key=score, reverse=True):
        need = [j for j in (units[i][1], i) if j is not None and j not in keep]
        cost = sum(count_tokens(units[j][0]) + 1 for j in need)
        if used + cost > max_tokens:
            continue
        keep.update(need)
        used += cost
    if not keep:  # not even one unit fits: the beginning, cut to the budget
        return truncate_tokens(text, max_tokens)
    out: list[str] = []
    last = -1
    for i in sorted(keep):
        if i != last + 1:
            out.append(GAP)
        out.append(units[i][0])
        last = i
    if last != len(units) - 1:
        out.append(GAP)
    return "\n".join(out)
