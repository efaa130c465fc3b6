"""English person names: spaCy's PERSON entities, filtered, plus names introduced by context
("my name is …", "Regards, …", "Mr. …", "…, our CFO") that the small model misses."""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from guardrails.pii.recognizers.base import Found, RuleRecognizer

NAME_TOKEN = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*"  # noqa: S105 - a regex, not a secret
FULL = NAME_TOKEN + r"(?:\s+(?:[A-Z]\.\s+)?" + NAME_TOKEN + r"){0,2}"
LOWER_FULL = r"[a-z]{2,15}(?:\s+[a-z]{2,15})?"

# Capitalised words that are not names in sales chat: greetings, calendar words, product and plan words.
NOT_NAMES = {w.lower() for w in (  # noqa: SIM905 - one readable word list
    "Hi Hello Hey Dear Thanks Thank Regards Best Cheers Sincerely Yes No Ok Okay Sure Please Sorry Great Good Morning "
    "Afternoon Evening Team Support Sales Billing Admin Customer Client Manager Director Pro Starter Enterprise Business "
    "Premium Basic Standard Plus Free Trial Edition Plan Cloud Insights Analytics Dashboard Connector Connectors Data "
    "Lake Warehouse AI API SSO SAML CRM ERP SAP Oracle Shopify Slack Salesforce HubSpot Zoom Excel Teams Google "
    "Microsoft Amazon Azure AWS Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December Q1 Q2 Q3 Q4 Mr Mrs Ms Dr Inc Ltd LLC Corp Co Group "
    "Labs Technologies Solutions Systems Robotics Organics Logistics Retail Capital Partners Holdings Bank Finance "
    "China Chinese English American Beijing Shanghai Shenzhen Hangzhou Guangzhou Singapore London Paris Berlin Tokyo "
    "New York Boston Chicago Seattle Austin Denver Europe Asia America Canada Germany France Japan India Pacific "
    "Interested Wondering Looking Calling Writing Reaching Following Checking Asking Here Just Also Still Currently "
    "The This That These Those It Its We Our You Your They Their He She His Her I Me My Who What When Where Why How "
    "Lumen Renewal Invoice Order Contract Quote Demo Call Meeting Webinar Security Compliance Legal Procurement "
    "Finance Ops Operations Engineering Marketing IT HR CEO CFO CTO COO CIO VP Head Lead Email E-mail Mail Phone "
    "Mobile Tel Address WeChat Whatsapp Name Contact Card Account Ticket Box Note Notes Re Fw Fwd Subject"
).split()}
COMPANY_SUFFIX = re.compile(r"^\s*(?:Inc|Ltd|LLC|Corp|Co|GmbH|Group|Labs|Technologies|Solutions|Systems|Robotics|"
                            r"Organics|Logistics|Analytics|Retail|Capital|Partners|Holdings|Bank|Software)\b")

STRONG_LOWER = re.compile(r"(?i:\b(?:my name is|my name's|name's|name is|name\s*:))\s+(?P<v>" + LOWER_FULL + r")\b")
CONTEXT = re.compile(
    r"(?:(?i:\b(?:my name is|my name's|name\s*:|i am|i'm|im|this is|it's|call me|signed|regards|thanks|thank you|"
    r"cheers|best|sincerely|contact|cc|loop in|reach out to|reach|speak (?:to|with)|talk to|ask for|ask|email|"
    r"e-mail|ping|call|text|message|forward (?:it|this) to|send (?:it|this|them|the \w+) to|meet(?:ing)? with|"
    r"introduce you to|addressed to|attention|attn|care of|c/o|from|with|by|to|and|or|per|for|hi|hello|hey|dear|name))[,:]?\s+"
    r"|(?:我叫|我是|叫我|发给|寄给|交给|联系|找|转告|抄送|收件人|联系人|对接人|负责人|姓名|名字|和|与|跟|给|是)[：:]?\s*"
    r"|\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+)(?P<v>" + FULL + r")"
)
ROLE = (r"(?i:CEO|CFO|CTO|COO|CIO|CISO|VP(?: of \w+)?|director|manager|head of \w+|lead|colleague|boss|admin|"
        r"administrator|engineer|analyst|buyer|procurement lead|partner|assistant|founder|co-founder|owner|"
        r"coordinator|controller|counsel|rep|representative|account manager|champion|sponsor)")
APPOSITION = re.compile(r"(?P<v>" + FULL + r"),\s+(?i:our|my|the|their|his|her)\s+(?:[a-z]+\s+)?" + ROLE
                        + r"|(?i:our|my|the|their)\s+(?:[a-z]+\s+)?" + ROLE + r",?\s+(?P<w>" + FULL + r")"
                        + r"|(?P<x>" + FULL + r")\s+(?:here|speaking)\b")
STRONG_TRIGGER = re.compile(r"\b(?i:my name|name\s*:|i am|i.m|regards|sincerely|signed|hi|hello|hey|dear|thanks|thank you|cheers|mr|mrs|ms|miss|mx|dr|prof|reach|call|ping|ask|ask for|cc|contact|email|text|message|tell|loop in|speak with|talk to)\b",
                            re.I)


def _clean(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim words that are not names from both ends; None when nothing name-like is left."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    while words and text[words[0][0]:words[0][1]].strip(".,'’").lower() in NOT_NAMES:
        words.pop(0)
    while words and text[words[-1][0]:words[-1][1]].strip(".,'’").lower() in NOT_NAMES:
        words.pop()
    if not words:
        return None
    s, e = words[0][0], words[-1][1]
    while e > s and text[e - 1] in ".,'’:;":
        e -= 1
    return (s, e) if e - s >= 2 else None


class EnglishNameRule(RuleRecognizer):
    ENTITY = "PERSON"
    LANGUAGE = "en"

    def find(self, text: str, nlp_artifacts) -> list[Found]:  # noqa: ANN001
        found: list[Found] = []
        for ent in getattr(nlp_artifacts, "entities", None) or []:
            if ent.label_ != "PERSON" or not re.search(r"[A-Z]", ent.text):
                continue
            span = _clean(text, ent.start_char, ent.end_char)
            if span and re.fullmatch(FULL + r"|" + NAME_TOKEN, text[span[0]:span[1]]) \
                    and not COMPANY_SUFFIX.match(text[span[1]:span[1] + 14]):
                found.append((*span, 0.85))
        for m in CONTEXT.finditer(text):
            span = _clean(text, *m.span("v"))
            if not span or COMPANY_SUFFIX.match(text[span[1]:span[1] + 14]):
                continue
            strong = STRONG_TRIGGER.search(m.group(0)[: m.start("v") - m.start()]) is not None
            two_words = " " in text[span[0]:span[1]]
            # a single capitalised word after "with"/"to"/"from" is too often a product or a place
            if strong or two_words or self._is_person_entity(nlp_artifacts, span):
                found.append((*span, 0.8))
        for m in STRONG_LOWER.finditer(text):
            span = _clean(text, *m.span("v"))
            if span and not any(w in STOP_WORDS for w in text[span[0]:span[1]].split()):
                found.append((*span, 0.75))
        for m in APPOSITION.finditer(text):
            group = next(g for g in ("v", "w", "x") if m.group(g))
            span = _clean(text, *m.span(group))
            if span:
                found.append((*span, 0.8))
        return found

    @staticmethod
    def _is_person_entity(nlp_artifacts, span: tuple[int, int]) -> bool:  # noqa: ANN001
        return any(e.label_ == "PERSON" and e.start_char <= span[0] and span[1] <= e.end_char
                   for e in getattr(nlp_artifacts, "entities", None) or [])
