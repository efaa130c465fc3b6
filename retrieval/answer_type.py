"""What kind of answer a question wants, and whether a chunk has one: a light reranking signal.

"How much is Pro?" wants an amount of money, "how long is the trial?" a duration. Among chunks that
match the words equally, the one holding such a value is likelier to answer. Cheap (two regexes per
candidate), language-aware (EN/ZH), and generic to sales questions: prices and durations are what
customers ask for most.
"""

from __future__ import annotations

import re

_CUES = (
    (re.compile(r"\bhow much\b|\bprices?\b|\bpricing\b|\bcosts?\b|\bfees?\b|\bcharged?\b|多少钱|价格|费用|收费|多少美元|"
                r"多少元|怎么收费|贵", re.I),
     re.compile(r"[$¥€£￥]\s?\d|\d[\d,.]*\s?(?:usd|cny|rmb|eur|dollars?|美元|元)|\bfree\b|免费", re.I)),
    (re.compile(r"\bhow long\b|\bhow many (?:days|hours|minutes|months|years)\b|\bhow often\b|多久|多长时间|几天|多少天|"
                r"多少分钟|多少小时|几个月", re.I),
     re.compile(r"\d+\s*(?:-\s*)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|秒|分钟|小时|天|周|个月|年)",
                re.I)),
)


def wanted_answer(query: str) -> re.Pattern[str] | None:
    """The pattern of the value the question asks for, or None when it asks for none in particular."""
    for cue, value in _CUES:
        if cue.search(query):
            return value
    return None
