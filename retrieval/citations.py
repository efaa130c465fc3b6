"""Citations: which source, which heading, and the span of text that supports the answer."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# a sentence ends at .!? followed by space or end (not inside 99.9 or $1.50), or at 。！？ or a line end
SENTENCE = re.compile(r"(?:[^.!?。！？\n]|[.!?](?=\S))+[.!?。！？]?")
WORD = re.compile(r"[\w$¥€%.]+|[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Citation:
    chunk_id: str
    source: str
    heading: str
    quote: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def best_quote(chunk_text: str, answer: str, max_chars: int = 240) -> str:
    """The sentence of the chunk that shares most words with the answer (the span used)."""
    answer_words = {w.lower() for w in WORD.findall(answer)}
    best, best_score = "", -1.0
    for match in SENTENCE.finditer(chunk_text):
        sentence = match.group(0).strip(" |-*#\t")
        if len(sentence) < 3:
            continue
        words = {w.lower() for w in WORD.findall(sentence)}
        shared = words & answer_words
        # numbers (prices, limits, percentages) identify the supporting span far better than words
        score = (len(shared) + 2 * sum(any(ch.isdigit() for ch in w) for w in shared)) / (len(words) ** 0.5 + 1)
        if score > best_score:
            best, best_score = sentence, score
    return best[:max_chars]
