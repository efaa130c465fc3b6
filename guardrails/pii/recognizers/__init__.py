"""Every recognizer the scanner registers, per language."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from guardrails.pii.recognizers.address import ChineseAddressRule, EnglishAddressRule
from guardrails.pii.recognizers.contact import EmailRule, WeChatRule
from guardrails.pii.recognizers.names_en import EnglishNameRule
from guardrails.pii.recognizers.names_zh import ChineseNameRule
from guardrails.pii.recognizers.numbers import (
    CardRule,
    CnIdRule,
    IpRule,
    PhoneRule,
    SsnRule,
)

SHARED = (PhoneRule, CardRule, CnIdRule, SsnRule, IpRule, EmailRule,
          WeChatRule)


def all_recognizers() -> list[EntityRecognizer]:
    out: list[EntityRecognizer] = []
    for language in ("en", "zh"):
        out += [cls(language) for cls in SHARED]
    return out + [EnglishNameRule(), EnglishAddressRule(), ChineseNameRule(),
                  ChineseAddressRule()]
