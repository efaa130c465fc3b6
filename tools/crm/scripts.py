"""Talk tracks for reps: for a sales stage or an objection, built from the customer's own context and
from similar won cases, each case point cited. Always a draft for the rep, never sent to a customer.

The track is assembled, not generated: the agent's model phrases the rep's answer from it, and every
claim in it traces to the CRM record or to a numbered case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

STAGES = ("introduction", "qualification", "needs", "solution", "objection", "close")
OBJECTIONS: dict[str, tuple[str, ...]] = {
    "price": ("price", "expensive", "cost", "budget", "discount", "cheaper", "贵", "价格", "预算", "折扣", "成本"),
    "competitor": ("competitor", "alternative", "metricly", "already use", "switch", "竞品", "对手", "别家",
                   "其他厂商"),
    "security": ("security", "soc", "compliance", "gdpr", "privacy", "data residency", "trust", "安全", "合规",
                 "隐私", "出境", "信任"),
    "timing": ("not now", "later", "next year", "no time", "busy", "以后", "明年", "不急", "没时间", "再说"),
}
NOTICE = {"en": "DRAFT for the rep — not sent to the customer. Check it and make it your own.",
          "zh": "草稿，仅供销售参考，不会发给客户。请核对后用自己的话表达。"}

LINES: dict[str, dict[str, list[str]]] = {
    "en": {
        "introduction": ["Open with what you know about {account}: {context}.",
                         "Ask one open question about their current {topic} before presenting anything."],
        "qualification": ["Confirm the need in their words, then ask about timeline, who decides, and budget — "
                          "one question at a time."],
        "needs": ["Play back the problem: {context}. Ask what it costs them today and who feels it most."],
        "solution": ["Map their need to the product line ({topic}); show the one feature that answers it."],
        "close": ["Summarise what they agreed, propose a concrete next step with a date, and ask who signs."],
        "price": ["Acknowledge the concern; do not discount first. Tie the price to the outcome they named.",
                  "Offer a smaller start (fewer seats or one team) rather than a lower list price."],
        "competitor": ["Ask what they like about the alternative; compare on the two things that matter to "
                       "them, not a feature list."],
        "security": ["Lead with evidence: security documents, where data is stored, and that customer data is "
                     "not used for training. Offer a call with security."],
        "timing": ["Ask what would have to be true to start now; offer a low-effort trial that fits their "
                   "calendar."],
        "case": "Similar won case: {text} [{n}]",
        "no_cases": "No similar won case was found; rely on the customer's own context.",
    },
    "zh": {
        "introduction": ["先从您对{account}的了解切入：{context}。",
                         "在介绍产品之前，先问一个关于他们目前{topic}情况的开放式问题。"],
        "qualification": ["用客户自己的话确认需求，再依次了解时间表、决策人和预算，一次只问一个问题。"],
        "needs": ["复述客户的问题：{context}。再问这个问题现在给他们带来多大成本、谁最受影响。"],
        "solution": ["把客户的需求对应到产品线（{topic}），只展示最能解决问题的那一个功能。"],
        "close": ["总结客户已认可的要点，提出有具体日期的下一步，并确认由谁签字。"],
        "price": ["先认可客户的顾虑，不要先打折。把价格和客户提到的业务结果联系起来。",
                  "建议从小规模开始（更少的席位或一个团队），而不是降低标价。"],
        "competitor": ["先问客户欣赏竞品的哪些地方，再围绕对他们最重要的两点做比较，不要罗列功能。"],
        "security": ["用证据说话：安全文档、数据存放位置、客户数据不会用于训练。可以安排与安全团队的通话。"],
        "timing": ["问客户：要现在开始，需要满足什么条件？提供一个不占用太多时间的试用方案。"],
        "case": "相似的成功案例：{text} [{n}]",
        "no_cases": "没有找到相似的成功案例，请以客户自身情况为依据。",
    },
}


def objection_of(text: str) -> str | None:
    lowered = (text or "").lower()
    for kind, words in OBJECTIONS.items():
        if any(w in lowered for w in words):
            return kind
    return None


def _first_sentence(text: str, limit: int = 240) -> str:
    head = re.split(r"(?<=[.!?。！？])\s*", (text or "").strip(), maxsplit=1)[0]
    return head if len(head) <= limit else head[: limit - 1] + "…"


def customer_context(view: Mapping[str, Any] | None, language: str) -> str:
    """A one-line summary of what the CRM knows: industry, size, products owned, open deals."""
    if not view:
        return "no CRM record yet" if language != "zh" else "CRM 中暂无记录"
    account = view.get("account") or {}
    deals = view.get("deals") or []
    owned = sorted({d.get("edition") or d.get("product_line") for d in deals if d.get("stage") == "won"} - {None, ""})
    open_deals = [d.get("name") for d in deals if d.get("stage") == "open"]
    parts = [p for p in (account.get("industry"), account.get("employees") and f"{account['employees']} employees",
                         owned and ("owns " + ", ".join(owned)), open_deals and ("open: " + "; ".join(open_deals)))
             if p]
    if language == "zh":
        parts = [p for p in (account.get("industry"), account.get("employees") and f"{account['employees']} 人",
                             owned and ("已购买 " + "、".join(owned)), open_deals and ("进行中：" + "；".join(open_deals)))
                 if p]
        return "，".join(parts) or "暂无详细信息"
    return "; ".join(parts) or "little is known yet"


def build_script(situation: str, *, stage: str = "", view: Mapping[str, Any] | None = None,
                 cases: Sequence[Mapping[str, Any]] = (), language: str = "en") -> dict[str, Any]:
    lang = "zh" if language == "zh" else "en"
    words = LINES[lang]
    objection = objection_of(situation) if stage in ("", "objection") else None
    stage = stage if stage in STAGES else ("objection" if objection else "needs")
    account = ((view or {}).get("account") or {}).get("name") or ("the customer" if lang == "en" else "客户")
    topic = next((d.get("product_line") for d in (view or {}).get("deals") or [] if d.get("product_line")), "") \
        or ("their data" if lang == "en" else "数据")
    fill = {"account": account, "context": customer_context(view, lang), "topic": topic}
    lines = [line.format(**fill) for line in words.get(objection or stage, words["needs"])]
    citations = []
    for i, case in enumerate(cases, start=1):
        n = case.get("n") or i  # the turn's source number when the caller registered the case as a source
        lines.append(words["case"].format(text=_first_sentence(str(case.get("text", ""))), n=n))
        citations.append({"n": n, "source": case.get("source", ""), "chunk_id": case.get("chunk_id", "")})
    if not cases:
        lines.append(words["no_cases"])
    return {"draft": True, "for": "rep", "notice": NOTICE[lang], "stage": stage, "objection": objection,
            "situation": situation, "customer_context": fill["context"], "talk_track": lines,
            "citations": citations}
