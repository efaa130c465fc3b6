"""How an answer is judged, shared by `eval answers` and the suites. Independent of the product's code:
the judge must not share a bug with what it judges.

Fact matching (`fact_present`): both the fact and the answer are normalised the same way, then the fact
must occur as a substring of the answer, where a number at either end of the fact may not continue into
a longer number ("$1" does not match "$10"). Normalising means: Unicode NFKC (full-width ￥ and digits become
their ASCII forms), lower case, thousands separators and trailing decimal zeros dropped ("1,000.00" →
"1000"), a number followed by an hour/minute/day word shortened to one unit letter ("8 hours", "8小时",
"8h" → "8h"), "3元" read as "¥3", and then every space, hyphen and middle dot removed ("16-cores or above"
matches "16 cores or above"). Nothing else: a paraphrase of a text fact does not count.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_TRAILING_ZEROS = re.compile(r"(\d+)\.0+(?!\d)")
_UNITS = [
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:hours?|hrs?|小时|h)(?![a-z])"), r"\1h"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:minutes?|mins?|分钟)(?![a-z])"), r"\1min"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:days?|天)(?![a-z])"), r"\1d"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*元"), r"¥\1"),
    (re.compile(r"(?:rmb|cny)\s*(\d)"), r"¥\1"),
    (re.compile(r"usd\s*(\d)"), r"$\1"),
]
_GAPS = re.compile(r"[\s\-‐‑–—·_]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _THOUSANDS.sub("", text)
    text = _TRAILING_ZEROS.sub(r"\1", text)
    for pattern, repl in _UNITS:
        text = pattern.sub(repl, text)
    return _GAPS.sub("", text)


def fact_present(fact: str | int | float, answer: str) -> bool:
    """The normalised fact occurs in the normalised answer, and a number in it is not part of a longer
    number there ("$1" is not in "$10", "8h" is not in "18h")."""
    f = normalise(str(fact))
    if not f:
        return False
    pattern = re.escape(f)
    if f[0].isdigit():
        pattern = r"(?<![\d.])" + pattern
    if f[-1].isdigit():
        pattern += r"(?!\.?\d)"
    return re.search(pattern, normalise(answer)) is not None


def coverage(facts: Sequence[str | int | float], answer: str) -> float | None:
    """Share of facts present; None when there are none to find."""
    return sum(fact_present(f, answer) for f in facts) / len(facts) if facts else None


# An honest "we don't know": the sources do not say, we cannot confirm. Several phrasings per language
# because small models vary them; a refusal that invents a fact anyway still fails fact checks elsewhere.
_UNKNOWN = {
    "en": re.compile(
        r"\b(i\s*(do\s*n[o']?t|don't|cannot|can't|can\s*not|am\s*not\s*able\s*to|'m\s*not\s*able\s*to)\s*"
        r"(know|find|confirm|answer|say|see|tell|verify|provide)"
        r"|(do(es)?\s*n[o']?t|doesn't|don't)\s*(have|contain|cover|mention|say|include|specify|list|state)"
        r"|not\s*(sure|certain|covered|mentioned|specified|documented|available\s*in|in\s*(our|the))"
        r"|no\s*(information|details|mention|data)\b|unable\s*to\s*(find|confirm|answer|provide)"
        r"|isn't\s*(covered|mentioned|documented)|couldn't\s*find|could\s*not\s*find|there\s*is\s*no\s*information)",
        re.I),
    "zh": re.compile(
        r"(没有(找到|提到|提及|说明|涉及|相关|这方面|关于|具体|明确)|未(提到|提及|说明|找到|涉及|列出)|无法(确认|回答|提供|找到|判断|答复)"
        r"|不(确定|清楚|了解|知道)|暂无|没(有)?(资料|信息|记载)|资料(里|中)(没有|并未|未))"),
}
_HUMAN = {
    "en": re.compile(
        r"(connect\s*you|put\s*you\s*in\s*touch|hand\s*(you|this)\s*(over|off)|pass(ed)?\s*(your|this)\s*(message|question)"
        r"|(a|our)\s*(person|colleague|human|specialist|sales\s*(rep|representative|team)|team\s*member|member\s*of\s*our\s*team|account\s*manager)"
        r"|reach\s*out\s*to\s*(our|the)\s*(sales|support|team)|contact\s*(our|the)\s*(sales|support|team)"
        r"|talk\s*to\s*(our|a|the)\s*(sales|team|person|colleague|rep)|our\s*team\s*will)", re.I),
    "zh": re.compile(r"(转接|转给|同事|人工|专人|销售(代表|同事|团队|人员)|客服|联系(我们|销售|团队|客户经理)|客户经理|团队)"),
}


def honest_unknown(text: str) -> bool:
    return any(p.search(text) for p in _UNKNOWN.values())


def offers_human(text: str) -> bool:
    return any(p.search(text) for p in _HUMAN.values())


def language_of(text: str) -> str:
    """'zh' when Han characters are at least a fifth of the letters, else 'en' (our own, not the product's)."""
    letters = [ch for ch in text if ch.isalpha()]
    han = sum(1 for ch in letters if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    return "zh" if letters and han / len(letters) >= 0.2 else "en"


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method); None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return round(sum(xs) / len(xs), 4) if xs else None
