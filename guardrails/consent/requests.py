"""Recognise consent revocations and data-subject requests in a customer's message, English and
Chinese, with a small deterministic classifier (no model): "stop contacting me", "unsubscribe",
"撤回授权", "delete my data", "删除我的信息", "导出我的数据", ...

It errs on the side of *not* firing on product questions (our product is about data: "how do I export
my data to Excel?" is a support question), while revocations fire on plain wording, because honouring
a revocation wrongly costs little and ignoring one costs trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("erase", "export", "withdraw_all", "stop_contact", "unsubscribe")  # strongest first


@dataclass(frozen=True)
class ConsentRequest:
    kind: str  # one of KINDS
    language: str  # of the wording that matched
    rule: str  # which rule matched (audited instead of the text)
    purposes: tuple[str, ...] = ()  # purposes to revoke (revocations)
    channels: tuple[str, ...] = ()  # channels to revoke on; empty = all


CONTACT_PURPOSES = ("sales_followup", "marketing")
ALL_PURPOSES = ("service", "sales_followup", "marketing", "profiling", "case_learning", "third_party")

_EN_VERB_CHANNEL = {"call": "phone", "calling": "phone", "phone": "phone", "phoning": "phone", "ring": "phone",
                    "email": "email", "emailing": "email", "e-mail": "email", "e-mailing": "email",
                    "mail": "email", "mailing": "email", "text": "sms", "texting": "sms", "sms": "sms"}
_ZH_VERB_CHANNEL = {"打电话": "phone", "来电": "phone", "发短信": "sms", "发邮件": "email"}

_HOWTO_EN = re.compile(r"^\W*(how|where)\b|\b(how (do|can|could|would|should) (i|we|you)|how to)\b", re.I)
_HOWTO_ZH = re.compile(r"如何|怎么|怎样|怎麽|在哪")
# words that make "export/delete my data" a question about our product, not about their personal data
_PRODUCT_EN = re.compile(r"\b(csv|excel|xlsx|parquet|dashboards?|reports?|charts?|tables?|workspaces?|"
                         r"data ?sources?|warehouse|bigquery|snowflake|s3|bucket|api|sql|quer(y|ies)|datasets?)\b", re.I)
_PRODUCT_ZH = re.compile(r"Excel|CSV|报表|看板|仪表盘|图表|数据源|数据集|数据表|数据库|工作区|接口|查询", re.I)
_NEGATION_EN = re.compile(r"\b(don'?t|do not|never|not|no need to)\s+(\w+\s+){0,2}$", re.I)
_NEGATION_ZH = re.compile(r"(不要|别|不用|不必|无需|不)$")

_EN = [
    ("erase", "en.erase", re.compile(
        r"\b(delete|erase|remove|wipe|purge)\s+(all\s+)?(of\s+)?my\s+(personal\s+)?(data|information|info|details|"
        r"records?)\b", re.I)),
    ("erase", "en.forget", re.compile(r"\b(forget (about )?me|right to (be forgotten|erasure))\b", re.I)),
    ("export", "en.export", re.compile(
        r"\b(export|download|send me|give me|get)\s+(a copy of\s+)?(all\s+)?(of\s+)?my\s+(personal\s+)?(data|"
        r"information|info)\b", re.I)),
    ("export", "en.what_do_you_hold", re.compile(
        r"\bwhat\s+(personal\s+)?(data|information|info)\s+(do\s+you|you)\s+(hold|have|store|keep|collect(ed)?)\s+"
        r"(on|about)\s+me\b", re.I)),
    ("export", "en.dsar", re.compile(r"\b((data\s+)?subject\s+access\s+request|dsar)\b", re.I)),
    ("withdraw_all", "en.withdraw", re.compile(
        r"\b(withdraw|revoke|cancel|retract|take back)\s+(all\s+)?(of\s+)?(my\s+)?(consents?|permissions?|"
        r"authori[sz]ations?)\b", re.I)),
    ("unsubscribe", "en.unsubscribe", re.compile(
        r"(^\W*unsubscribe\W*$|\bunsubscribe me\b|\bunsubscribe\b.*\b(newsletters?|e-?mails?|mailing lists?|"
        r"marketing|promotions?)\b|\bopt(-| )?out\b.*\b(marketing|newsletters?|e-?mails?|promotions?)\b|"
        r"\bremove me from (your|the) (mailing |email |contact |marketing )?lists?\b)", re.I)),
    ("stop_contact", "en.stop", re.compile(
        r"\b(stop|quit|cease)\s+(contacting|calling|phoning|emailing|e-mailing|mailing|texting|messaging|spamming|"
        r"bothering|pestering)\s+me\b", re.I)),
    ("stop_contact", "en.do_not", re.compile(
        r"\b(do not|don'?t|never)\s+(ever\s+)?(contact|call|phone|ring|email|e-mail|mail|text|message|bother)\s+me\b",
        re.I)),
    ("stop_contact", "en.opt_out", re.compile(r"^\W*(opt(-| )?out|stop)\W*$", re.I)),
]
_ZH = [
    ("erase", "zh.erase", re.compile(
        r"(删除|删掉|清除|抹去|销毁)(掉)?我的(全部|所有)?(个人)?(信息|数据|资料|记录)(?![源集表库])")),
    ("erase", "zh.erase_ba", re.compile(r"把我的(全部|所有)?(个人)?(信息|数据|资料|记录)(全部|都)?(删除|删掉|清除|销毁)")),
    ("export", "zh.export", re.compile(
        r"(导出|下载|提供|给我|发我)(一份)?我的(全部|所有)?(个人)?(数据|信息|资料)(?![源集表库])")),
    ("export", "zh.copy", re.compile(r"我的(个人)?(数据|信息)副本|你们(保存|存储|持有|收集)了(我的)?哪些(个人)?(信息|数据)")),
    ("withdraw_all", "zh.withdraw", re.compile(r"(撤回|撤销|取消|收回)(我的)?(全部|所有)?(授权|同意)")),
    ("unsubscribe", "zh.unsubscribe", re.compile(r"退订|取消订阅|不要再?(给我)?发(营销|广告|推广)")),
    ("stop_contact", "zh.stop", re.compile(r"(不要|别|不用|请勿|勿)再?(联系|打扰|骚扰)我")),
    ("stop_contact", "zh.stop_channel", re.compile(r"(不要|别|请勿)再?给我(打电话|来电|发短信|发邮件|发消息|发信息)")),
]


def _negated(text: str, start: int, zh: bool) -> bool:
    before = text[max(0, start - 24):start]
    return bool((_NEGATION_ZH if zh else _NEGATION_EN).search(before))


def _channels(kind: str, match: re.Match[str], zh: bool) -> tuple[str, ...]:
    if kind != "stop_contact":
        return ()
    words = match.group(0)
    table = _ZH_VERB_CHANNEL if zh else _EN_VERB_CHANNEL
    for word, channel in table.items():
        if (word in words) if zh else re.search(rf"\b{re.escape(word)}\b", words, re.I):
            return (channel,)
    return ()


def _purposes(kind: str) -> tuple[str, ...]:
    return {"withdraw_all": ALL_PURPOSES, "stop_contact": CONTACT_PURPOSES, "unsubscribe": ("marketing",)}.get(kind, ())


def classify(text: str) -> ConsentRequest | None:
    """The strongest consent or data-subject request in `text`, or None."""
    if not text or len(text) > 2000:  # a request is short; a long paste is not one
        return None
    found: list[ConsentRequest] = []
    for rules, zh in ((_EN, False), (_ZH, True)):
        howto = (_HOWTO_ZH if zh else _HOWTO_EN).search(text)
        product = (_PRODUCT_ZH if zh else _PRODUCT_EN).search(text)
        for kind, rule, pattern in rules:
            for match in pattern.finditer(text):
                if kind in ("erase", "export") and (howto or product):
                    continue
                if kind in ("erase", "export", "withdraw_all") and _negated(text, match.start(), zh):
                    continue
                if kind in ("unsubscribe", "stop_contact", "withdraw_all") and howto:
                    continue
                found.append(ConsentRequest(kind, "zh" if zh else "en", rule, _purposes(kind),
                                            _channels(kind, match, zh)))
                break
    if not found:
        return None
    return min(found, key=lambda r: KINDS.index(r.kind))
