"""Consent notices in words a customer understands, English and Chinese.

The wording is a prompt template (`prompts/templates/consent_notice.*.md`) plus the labels below.
A notice's `version` covers both, and its `hash` is of the exact rendered text, which the ledger keeps,
so every grant can be traced to the words the contact saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prompts import load as load_prompt
from tools.policy import CHANNELS, DATA_CATEGORIES, PURPOSES

TEMPLATE = "consent_notice"

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "service": "answering your questions and supporting you as a customer",
        "sales_followup": "following up with you about your interest in our products",
        "marketing": "sending you news and offers about our products",
        "profiling": "assessing how well our products fit your company (lead scoring)",
        "case_learning": "using your past support cases, anonymised, to help other customers",
        "third_party": "sharing your details with our partners",
        "contact_details": "your name and contact details",
        "company_profile": "your company's profile",
        "purchase_history": "what you bought from us",
        "conversation_content": "what you tell us in conversations",
        "social_behavioural": "how you use our products and website",
        "wecom": "WeCom", "slack": "Slack", "web": "this web chat", "email": "email", "sms": "text message",
        "phone": "phone call",
        "until_withdrawn": "until you withdraw it", "until": "until {date}",
    },
    "zh": {
        "service": "解答您的问题并为您提供客户服务",
        "sales_followup": "就您感兴趣的产品与您跟进沟通",
        "marketing": "向您发送产品资讯和优惠信息",
        "profiling": "评估我们的产品与贵公司的匹配程度（线索评分）",
        "case_learning": "在匿名化后使用您过往的服务案例帮助其他客户",
        "third_party": "与我们的合作伙伴共享您的信息",
        "contact_details": "您的姓名和联系方式",
        "company_profile": "贵公司的基本信息",
        "purchase_history": "您的购买记录",
        "conversation_content": "您在对话中告诉我们的内容",
        "social_behavioural": "您使用我们产品和网站的情况",
        "wecom": "企业微信", "slack": "Slack", "web": "本网页对话", "email": "电子邮件", "sms": "短信",
        "phone": "电话",
        "until_withdrawn": "直至您撤回", "until": "至 {date}",
    },
}
SEPARATOR = {"en": ", ", "zh": "、"}


@dataclass(frozen=True)
class Notice:
    text: str
    language: str
    template: str
    version: str  # of the wording (template + labels): changes when we change what we say
    hash: str  # of this exact text

    @property
    def short_hash(self) -> str:
        return self.hash[:12]


def wording_version(language: str) -> str:
    template = load_prompt(TEMPLATE, language)
    labels = json.dumps(LABELS[language], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{template.version}:{labels}".encode()).hexdigest()[:12]


def render_notice(*, company: str, purpose: str, categories: Sequence[str], channels: Sequence[str],
                  language: str = "en", expires_at: datetime | None = None) -> Notice:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    bad = [c for c in categories if c not in DATA_CATEGORIES] + [c for c in channels if c not in CHANNELS]
    if bad or not categories or not channels:
        raise ValueError(f"a notice needs known data categories and channels (got {', '.join(bad) or 'none'})")
    lang = "zh" if language == "zh" else "en"
    labels, sep = LABELS[lang], SEPARATOR[lang]
    duration = labels["until"].replace("{date}", expires_at.date().isoformat()) if expires_at else \
        labels["until_withdrawn"]
    text = load_prompt(TEMPLATE, lang).render(
        company=company, purpose=labels[purpose], categories=sep.join(labels[c] for c in categories),
        channels=sep.join(labels[c] for c in channels), duration=duration)
    return Notice(text, lang, TEMPLATE, wording_version(lang), hashlib.sha256(text.encode()).hexdigest())
