"""Small text facts every lead step needs: the language, the product line, an amount of money."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")

# keywords → product line (the tenant's lines); checked in order, so the specific ones come first
PRODUCT_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("connectors", ("connector", "sap", "oracle", "salesforce sync", "etl", "pipeline", "连接器", "数据同步",
                    "对接")),
    ("ai", ("ai ", "ai-", " ai", "insight", "machine learning", "llm", "智能", "人工智能", "洞察")),
    ("analytics", ("analytics", "dashboard", "report", "bi ", "metrics", "分析", "报表", "看板", "仪表盘")),
)

_NUM = r"(\d+(?:[.,]\d+)*)"
_MONEY = [
    # $50k, $ 1.2m, USD 20,000, 20000 usd, €30k
    re.compile(r"(?:\$|usd\s*|us\$|€|eur\s*|£)\s*" + _NUM + r"\s*(k|m|thousand|million)?\b", re.I),
    re.compile(_NUM + r"\s*(k|m|thousand|million)?\s*(?:usd|dollars|eur|euros)\b", re.I),
    # 30万, 30 万元, ¥200000, 200000 元, 2.5 亿
    re.compile(r"(?:¥|￥|rmb\s*|cny\s*)\s*" + _NUM + r"\s*(万|亿|k|m)?", re.I),
    re.compile(_NUM + r"\s*(万|亿|千)\s*(?:元|人民币|块)?"),
    re.compile(_NUM + r"\s*(?:元|人民币|块钱)"),
]
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "千": 1e3, "万": 1e4, "亿": 1e8}
# money per period is what they spend or can spend ("$6,000 a year", "每年 5 万")
_BUDGET_WORDS = re.compile(r"budget|spend|afford|price range|预算|花费|投入|经费"
                           r"|\b(?:a|per|each|every)\s+(?:year|month|yr|mo)\b|/\s*(?:year|yr|month|mo)\b|annually|yearly"
                           r"|monthly|每年|一年|每月|一个月|年费", re.I)


def language_of(text: str) -> str:
    return "zh" if CJK.search(text or "") else "en"


def product_line_of(text: str) -> str:
    lowered = f" {(text or '').lower()} "
    for line, words in PRODUCT_KEYWORDS:
        if any(w in lowered for w in words):
            return line
    return ""


def money_in(text: str) -> float | None:
    """The first amount of money in the text, as a number (currency units are not converted)."""
    for pattern in _MONEY:
        m = pattern.search(text or "")
        if m:
            value = float(m.group(1).replace(",", ""))
            unit = (m.group(2) or "").lower() if m.lastindex and m.lastindex >= 2 else ""
            return value * _SCALE.get(unit, 1.0)
    return None


def budget_in(text: str) -> float | None:
    """An amount the speaker offers as their budget: money near a budget word, or any money when the
    sentence talks about budget."""
    for sentence in sentences(text):
        if _BUDGET_WORDS.search(sentence):
            value = money_in(sentence)
            if value is not None:
                return value
    return None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？；;])\s*|\n+", text or "") if s.strip()]


# What a customer says when a sales or service tool is what they want. A weak model offered every tool
# calls one for any question (a how-to question became a sales lead), so under constrained decoding a
# customer is offered these tools only once the conversation has the cue (agent.middleware.constrained).
SALES_CUE = (r"\b(?:buy|buying|purchase|order|quote|quotation|proposal|demo|pilot|trial for|sales|salesperson|sign up"
             r"|contract|budget|procure\w*|pricing for|licen[cs]es? for|seats?|contact me|call me|email me|reach me"
             r"|get in touch|reach out|follow up|interested in)\b|@|\+?\d[\d\s-]{7,}\d"
             r"|<(?:EMAIL_ADDRESS|PHONE_NUMBER|WECHAT_ID)_\d+>"  # contact details, as the model sees them
             r"|购买|采购|下单|报价|方案|演示|试用|销售|签约|合同|预算|联系我|联系方式|电话|邮箱|微信|感兴趣|想买|想要买|商务")
PERSON_CUE = (r"\b(?:human|person|people|someone|somebody|agent|representative|rep|staff|colleague|manager"
              r"|talk to|speak (?:to|with)|call me|complain\w*|refund)\b"
              r"|人工|真人|转人工|客服|找人|专人|负责人|经理|投诉|退款|打电话")
OWN_DATA_CUE = (r"\b(?:my|our) (?:account|subscription|order|plan|deal|lead|contract|invoice|data|details)\b"
                r"|我的|我们的(?:账户|账号|订阅|订单|合同|发票|数据)")
