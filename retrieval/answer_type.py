"""What kind of answer a question wants, and whether a chunk has one: a light reranking signal.

"How much is Pro?" wants an amount of money, "how long is the trial?" a duration. Among chunks that
match the words equally, the one holding such a value is likelier to answer. Cheap (two regexes per
candidate), language-aware (EN/ZH), and generic to sales questions: prices (in the currency asked
about), dates and durations are what customers ask for most.
"""

from __future__ import annotations

import re

_PRICE_CUE = re.compile(r"\bhow much\b|\bprices?\b|\bpricing\b|\bcosts?\b|\bfees?\b|\bcharged?\b|多少钱|价格|费用|收费|"
                        r"多少美元|多少元|怎么收费|贵", re.I)
_ANY_AMOUNT = re.compile(r"[$¥€£￥]\s?\d|\d[\d,.]*\s?(?:usd|cny|rmb|eur|dollars?|美元|元)|\bfree\b|免费", re.I)
# A question that names its currency wants an amount in that currency: "一小时多少美元" is answered by the
# dollar price list, not by the yuan one next to it.
_CURRENCIES = (
    (re.compile(r"美元|美金|\busd\b|\bus\$|\bdollars?\b|\$", re.I),
     re.compile(r"\$\s?\d|\d[\d,.]*\s?(?:usd|dollars?|美元)", re.I)),
    (re.compile(r"人民币|\brmb\b|\bcny\b|\byuan\b|[¥￥]|多少元|\d\s*元", re.I),
     re.compile(r"[¥￥]\s?\d|\d[\d,.]*\s?(?:cny|rmb|yuan|元)", re.I)),
    (re.compile(r"欧元|\beur\b|\beuros?\b|€", re.I), re.compile(r"€\s?\d|\d[\d,.]*\s?(?:eur|euros?|欧元)", re.I)),
)
# docs spell small numbers out: "five minutes", "五分钟", "两小时"
_EN_NUMBER = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|sixty|ninety)"
_ZH_NUMBER = r"[零〇一二两三四五六七八九十百千半]+"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_CUES = (
    (re.compile(r"\bwhen (?:was|were|did|is|will|does)\b|\bwhat date\b|\brelease date\b|哪天|哪一天|什么时候|何时|"
                r"几号|几月|日期", re.I),
     re.compile(rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b|\b\d{{1,2}} {_MONTH},? \d{{4}}\b|"
                r"\b\d{4}-\d{1,2}-\d{1,2}\b|\d{4}\s*年\s*\d{1,2}\s*月|\d{1,2}\s*月\s*\d{1,2}\s*日", re.I)),
    (re.compile(r"\bhow long\b|\bhow many (?:days|hours|minutes|months|years)\b|\bhow often\b|多久|多长时间|几天|多少天|"
                r"多少分钟|多少小时|几个月", re.I),
     re.compile(rf"(?:\d+|\b{_EN_NUMBER}\b)\s*(?:-\s*)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b|"
                rf"(?:\d+|{_ZH_NUMBER})\s*(?:秒|分钟|小时|天|周|个月|年)", re.I)),
)


def wanted_answer(query: str) -> re.Pattern[str] | None:
    """The pattern of the value the question asks for, or None when it asks for none in particular."""
    if _PRICE_CUE.search(query):
        return next((value for named, value in _CURRENCIES if named.search(query)), _ANY_AMOUNT)
    for cue, value in _CUES:
        if cue.search(query):
            return value
    return None
