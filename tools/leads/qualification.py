"""BANT qualification: budget, authority, need, timeline, gathered over a conversation.

A chat model extracts the four with structured output (`with_structured_output`, which the embedded
model's provider serves by schema-constrained decoding); without a model, or when it returns nothing
usable, deterministic English and Chinese rules do it. Each turn's findings merge over what the lead
already had, and the agent gets back the one question to ask next for what is still missing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from tools.leads.text import budget_in, sentences

log = logging.getLogger(__name__)
FIELDS = ("need", "timeline", "authority", "budget")  # the order we ask in: budget is the most delicate


class BantExtract(BaseModel):
    """What the customer said about their purchase. Leave a field null when they did not say it."""

    budget: float | None = Field(None, description="the budget as a number, e.g. 50000; null if not stated")
    budget_note: str | None = Field(None, description="the budget in the customer's words, e.g. '30万' or "
                                                      "'no budget yet'")
    authority: str | None = Field(None, description="who decides: 'decision maker', or who must approve")
    need: str | None = Field(None, description="the problem or goal in one short phrase")
    timeline: str | None = Field(None, description="when they want to buy or go live, in their words")


PROMPT = ("Extract budget, authority, need and timeline (BANT) from what the customer wrote. Only use what "
          "they actually said; leave fields null otherwise. Keep their language.")

QUESTIONS = {
    "en": {"need": "What problem are you hoping to solve, or what would you like to achieve with it?",
           "timeline": "When would you like to have this up and running?",
           "authority": "Who else will be involved in the decision, or is it your call?",
           "budget": "Do you have a budget range in mind for this?"},
    "zh": {"need": "您希望用它解决什么问题，或者达到什么目标？",
           "timeline": "您计划什么时候开始使用？",
           "authority": "这个决定还需要哪些同事参与，还是由您来定？",
           "budget": "这个项目您大概有多少预算？"},
}

# -- rules ------------------------------------------------------------------------------------------

_DECIDER = re.compile(
    r"\b(i(?:'m| am) the (?:ceo|cto|cfo|coo|cio|founder|owner|head|vp|director)|i (?:decide|sign|approve)|"
    r"my (?:call|decision)|decision[- ]maker|i have (?:the )?(?:final say|sign[- ]off))"
    r"|我(?:来|可以)?(?:决定|拍板|签字|说了算)|我是(?:老板|总经理|CEO|CTO|负责人|总监|创始人)|由我(?:决定|负责)", re.I)
_APPROVER = re.compile(
    r"\b(?:need|needs|have to get|must get)\b[^.?!]{0,30}\b(approv\w*|sign[- ]off)\b[^.?!]{0,40}"
    r"|\b(?:my|our) (?:boss|manager|cfo|ceo|cto|vp|director|procurement|board)\b[^.?!]{0,30}"
    r"\b(?:decides?|approves?|signs?|has to)\b"
    r"|(?:需要|得|要)(?:老板|领导|总经理|CEO|CFO|采购|财务|上级)[^。！？]{0,8}(?:审批|批准|同意|拍板|签字|决定)"
    r"|(?:老板|领导|总经理|采购部|上级)[^。！？]{0,6}(?:决定|审批|拍板)", re.I)
_NEED = re.compile(r"\b(need|needs|looking for|want to|we want|struggl\w*|problem|pain|replace|migrat\w*|"
                   r"trying to|goal is|hoping to)\b|需要|想要|希望|想把|痛点|问题是|解决|替换|迁移|目标", re.I)
_TIMELINE = re.compile(
    r"\b(asap|immediately|this (?:week|month|quarter|year)|next (?:week|month|quarter|year)|"
    r"(?:within|in) (?:the next )?\d+\s*(?:days?|weeks?|months?)|by (?:the )?(?:end of )?"
    r"(?:q[1-4]|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"\d{4}|next \w+|this \w+)|q[1-4](?: \d{4})?|before (?:the )?\w+)"
    r"|尽快|马上|立即|本周|这周|下周|下个?星期|本月|这个月|下个月|本季度|这个季度|下个?季度|上半年|下半年|今年|明年|年底|年初|"
    r"月底|"
    r"[一二三四五六七八九十两\d]+\s*(?:天|周|个月|月)(?:内|以内|之内)|Q[1-4]", re.I)


_BUDGET_APPROVED = (r"\bbudget\s+(?:is\s+|has\s+been\s+|was\s+|got\s+)?(?:approved|signed off|allocated|in place)"
                    r"|\bapproved\s+budget|预算(?:已经|已)?(?:批了|批下来|批准|审批通过|到位)")
_CLAUSE = re.compile(r"[,，;；:：]\s*")


def extract_rules(text: str) -> BantExtract:
    """Deterministic BANT from one or more customer messages (English and Chinese)."""
    found: dict[str, Any] = {}
    budget = budget_in(text)
    if budget is not None:
        found["budget"] = budget
        found["budget_note"] = next((s for s in sentences(text) if budget_in(s) is not None), None)
    elif re.search(r"\bno budget\b|没有预算|预算还没|预算未定", text, re.I):
        found["budget_note"] = "no budget yet"
    elif re.search(_BUDGET_APPROVED, text, re.I):
        found["budget_note"] = "budget approved"
    if m := _DECIDER.search(text):
        found["authority"] = "decision maker"
    elif m := _APPROVER.search(text):
        found["authority"] = f"needs approval: {m.group(0).strip()}"
    needs = [c for s in sentences(text) for c in _CLAUSE.split(s) if _NEED.search(c)]
    if needs:  # the clause that states it ("Budget approved, we need X" → "we need X")
        found["need"] = needs[0].strip(" ,，;；:：")[:200]
    if m := _TIMELINE.search(text):
        found["timeline"] = m.group(0).strip()
    return BantExtract(**found)


# -- merging and the next question ----------------------------------------------------------------

@dataclass(frozen=True)
class Qualification:
    bant: dict[str, Any]  # merged: budget, budget_note, authority, need, timeline
    missing: list[str]  # of FIELDS, in asking order
    next_question: str | None
    method: str  # "model" or "rules"

    @property
    def qualified(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {"bant": self.bant, "missing": self.missing, "next_question": self.next_question,
                "qualified": self.qualified, "method": self.method}


def _known(bant: Mapping[str, Any], name: str) -> bool:
    if name == "budget":
        return bant.get("budget") is not None or bool(bant.get("budget_note"))
    return bool(bant.get(name))


def merge(previous: Mapping[str, Any], found: BantExtract) -> dict[str, Any]:
    """What was said this time wins over what was known (a corrected budget or date); what was not said is
    kept. The need is the exception: the first one stated is the reason for the conversation, and later
    sentences with "want" or "hope" in them are usually about something else."""
    merged = {k: previous.get(k) for k in ("budget", "budget_note", "authority", "need", "timeline")}
    for key, value in found.model_dump().items():
        if value not in (None, "") and not (key == "need" and merged.get("need")):
            merged[key] = value
    return merged


def missing_of(bant: Mapping[str, Any]) -> list[str]:
    return [f for f in FIELDS if not _known(bant, f)]


class Qualifier:
    def __init__(self, model: Any = None):  # noqa: ANN401 - any langchain BaseChatModel
        self.model = model

    def extract(self, messages: Sequence[str]) -> tuple[BantExtract, str]:
        text = "\n".join(m for m in messages if m and m.strip())
        if self.model is not None and text:
            try:
                out = self.model.with_structured_output(BantExtract).invoke(
                    [("system", PROMPT), ("human", text)])
                if isinstance(out, Mapping):
                    out = BantExtract.model_validate(out)
                if isinstance(out, BantExtract) and any(v not in (None, "") for v in out.model_dump().values()):
                    return out, "model"
                # nothing usable (no object, or an empty one): the rules may still find what was said
                log.warning("qualification model returned nothing usable; using the rules")
            except Exception as exc:  # a model returning garbage must not stop qualification
                log.warning("qualification model failed (%s); using the rules", type(exc).__name__)
        return extract_rules(text), "rules"

    def qualify(self, messages: Sequence[str], previous: Mapping[str, Any] | None = None,
                language: str = "en") -> Qualification:
        found, method = self.extract(messages)
        if method == "rules":
            # message by message, in order, so a later correction wins over what was said before it
            bant = dict(previous or {})
            for message in messages:
                bant = merge(bant, extract_rules(message))
        else:
            bant = merge(previous or {}, found)
        missing = missing_of(bant)
        words = QUESTIONS["zh" if language == "zh" else "en"]
        return Qualification(bant, missing, words[missing[0]] if missing else None, method)
