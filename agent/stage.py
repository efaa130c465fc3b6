"""Where the sale stands, inferred from what the customer said: it steers the prompt's tone, never a script.

Stages: introduction, qualification, needs, solution, objection, close. The newest customer message
decides when it carries a signal (an objection or a buying step matters now, whatever came before);
otherwise the conversation so far does, and a first message without signals is an introduction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

STAGES = ("introduction", "qualification", "needs", "solution", "objection", "close")

# Checked in this order: the later a stage in a sale, the stronger its signal ("need to" is the weakest).
SIGNALS: list[tuple[str, re.Pattern[str]]] = [
    ("close", re.compile(
        r"\b(sign(ed|ing)?|contract|purchase order|invoice|buy|order|subscribe|get started|next steps?|"
        r"start (a|the) trial|onboard(ing)?|go ahead)\b|签约|合同|下单|购买|采购|开通|试用|下一步", re.I)),
    ("objection", re.compile(
        r"\b(too (expensive|pricey|much)|expensive|pricey|cheaper|competitor|not sure|worried|concern(ed)?|"
        r"risk|hesitant|doubt|why (should|would)|already (use|have)|switching cost|budget is tight)\b|"
        r"太贵|贵了|便宜|竞品|担心|顾虑|不确定|风险|为什么要|已经在用", re.I)),
    ("solution", re.compile(
        r"\b(how (does|do|would|can)|does it|can it|do you (support|have|offer)|integrat\w*|feature\w*|"
        r"pric(e|es|ing)|plan|edition|demo|compare|sso|api|deploy\w*)\b|支持|集成|功能|价格|多少钱|版本|演示|部署", re.I)),
    ("qualification", re.compile(
        r"\b(budget|decision|decide|approv\w*|timeline|timeframe|by (next|this) (month|quarter|year)|"
        r"how many (users|seats)|seats|headcount|team of \d+)\b|预算|决策|审批|时间表|多少人|席位", re.I)),
    ("needs", re.compile(
        r"\b(we need|need to|looking for|struggl\w*|problem|pain|challenge|want to|trying to|our team|"
        r"currently)\b|需要|想要|问题|痛点|挑战|我们团队|目前", re.I)),
]


def signal(text: str) -> str | None:
    for stage, pattern in SIGNALS:
        if pattern.search(text):
            return stage
    return None


def infer_stage(customer_messages: Sequence[str]) -> str:
    """`customer_messages` oldest first, the newest last."""
    if not customer_messages:
        return "introduction"
    if found := signal(customer_messages[-1]):
        return found
    for text in reversed(customer_messages[:-1]):
        if found := signal(text):
            return found
    return "introduction"
