"""Citations: which source, which heading, and the span of text that supports the answer."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# a sentence ends at .!? followed by space or end (not inside 99.9 or $1.50), or at 。！？ or a line end
SENTENCE = re.compile(r"(?:[^.!?。！？\n]|[.!?](?=\S))+[.!?。！？]?")
# Latin words and numbers, and runs of Han characters (which have no spaces to split them into words)
LATIN = re.compile(r"[A-Za-z0-9$¥€%][A-Za-z0-9$¥€%.]*")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def overlap_terms(text: str) -> set[str]:
    """The terms two texts are compared by: Latin words of 3+ characters and any word with a digit
    (lower case), and Han character bigrams. A Han run is one regex "word" (`在时间回溯之外还能恢复`), so
    without bigrams a Chinese answer shares almost nothing with its Chinese source."""
    terms = {w.lower().rstrip(".") for w in LATIN.findall(text)}
    terms = {w for w in terms if len(w) >= 3 or any(ch.isdigit() for ch in w)}
    for run in HAN.findall(text):
        terms.update([run] if len(run) == 1 else (run[i:i + 2] for i in range(len(run) - 1)))
    return terms


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
    answer_words = overlap_terms(answer)
    best, best_score = "", -1.0
    for match in SENTENCE.finditer(chunk_text):
        sentence = match.group(0).strip(" |-*#\t")
        if len(sentence) < 3:
            continue
        words = overlap_terms(sentence)
        shared = words & answer_words
        # numbers (prices, limits, percentages) identify the supporting span far better than words
        score = (len(shared) + 2 * sum(any(ch.isdigit() for ch in w) for w in shared)) / (len(words) ** 0.5 + 1)
        if score > best_score:
            best, best_score = sentence, score
    return best[:max_chars]
