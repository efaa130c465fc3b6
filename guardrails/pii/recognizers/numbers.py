"""Numeric identifiers: phone numbers, payment and bank cards, CN resident IDs, US SSNs, IP addresses.

All patterns run on width-folded text, use digit lookarounds instead of \\b (a Chinese character
counts as a word character, so "手机13812345678" has no word boundary), and are vetoed when the
number is introduced as an order, invoice, serial or tracking number.
"""

from __future__ import annotations

import ipaddress
import re

from guardrails.pii.recognizers.base import RegexRecognizer, compile_all, vetoed
from guardrails.pii.text import digits
from guardrails.pii.validators import cn_id_ok, luhn_ok, ssn_ok

NB = r"(?<![\dA-Za-z])"  # not inside a longer number or word
NA = r"(?![\dA-Za-z])"
SEP = r"[ \-.\u2010-\u2015]"

PHONE_WORDS = (r"(?:phone|tel|telephone|mobile|cell|call|text|whatsapp|signal|landline|fax|reach me|"
               r"电话|手机|座机|联系方式|号码|致电|来电|短信|分机)")


class PhoneRule(RegexRecognizer):
    ENTITY = "PHONE_NUMBER"
    PATTERNS = compile_all(
        # CN mobile: 1[3-9]x xxxx xxxx, optional +86 / 0086 / (+86), 3-4-4 grouping
        (NB + r"(?:(?:\(?\+86\)?|0086|86)" + SEP + r"?)?1[3-9]\d(?:" + SEP + r"?\d{4}){2}" + NA, 0.9),
        # CN landline: 0 + 2-3 digit area code, 7-8 digit number, optional extension
        (NB + r"(?:\(0\d{2,3}\)|0\d{2,3})" + SEP + r"?\d{3,4}" + SEP + r"?\d{4}"
         r"(?:\s?(?:转|ext\.?|x)\s?\d{1,5})?" + NA, 0.8),
        # CN landline with +86 and the trunk 0 dropped
        (NB + r"(?:\+86|0086)" + SEP + r"?[1-9]\d{1,2}" + SEP + r"?\d{3,4}" + SEP + r"?\d{4}" + NA, 0.9),
        # North American: (415) 555-0132, 415-555-0132, +1 415 555 0132
        (NB + r"(?:\+?1" + SEP + r"?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}" + SEP + r")[2-9]\d{2}" + SEP + r"\d{4}"
         r"(?:\s?(?:ext\.?|x)\s?\d{1,5})?" + NA, 0.85),
        # Any other international number written with a + country code
        (r"(?<![\w+])\+[1-9]\d{0,2}(?:" + SEP + r"?\(\d{1,4}\))?(?:" + SEP + r"?\d{1,5}){2,5}" + NA, 0.8),
    )
    CONTEXTUAL = re.compile(PHONE_WORDS + r"[^\d\n]{0,12}?(?P<v>" + NB + r"\+?\d(?:[ \-]?\d){6,14})" + NA, re.I)

    def valid(self, value: str, text: str, start: int) -> bool:
        n = len(digits(value))
        return 7 <= n <= 15

    def find(self, text, nlp_artifacts):  # noqa: ANN001, ANN201
        yield from super().find(text, nlp_artifacts)
        for m in self.CONTEXTUAL.finditer(text):
            if self.valid(m.group("v"), text, m.start("v")) and not vetoed(text, m.start("v")):
                yield m.start("v"), m.end("v"), 0.7


class CardRule(RegexRecognizer):
    """Payment and bank cards (Visa, Mastercard, Amex, UnionPay 62…): 15–19 digits that pass Luhn."""

    ENTITY = "CREDIT_CARD"
    PATTERNS = compile_all((NB + r"\d{4}(?:[ \-]?\d{2,7}){2,4}" + NA, 0.9))
    GROUPING = re.compile(r"^\d+(?:([ \-])\d+)*$")

    def valid(self, value: str, text: str, start: int) -> bool:
        number = digits(value)
        if not 15 <= len(number) <= 19 or not luhn_ok(number):
            return False
        if len(number) == 18 and cn_id_ok(number):
            return False  # a resident ID that happens to pass Luhn too
        seps = set(re.findall(r"[ \-]", value))
        return len(seps) <= 1


class CnIdRule(RegexRecognizer):
    ENTITY = "CN_RESIDENT_ID"
    PATTERNS = compile_all((NB + r"[1-9]\d{5} ?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]) ?\d{3}[\dXx]"
                            + NA, 0.95))

    def valid(self, value: str, text: str, start: int) -> bool:
        return cn_id_ok(value.replace(" ", ""))


class SsnRule(RegexRecognizer):
    ENTITY = "US_SSN"
    PATTERNS = compile_all(
        (r"(?<![\dA-Za-z\-])(?P<a>\d{3})-(?P<g>\d{2})-(?P<s>\d{4})(?![\dA-Za-z\-])", 0.85),
        (r"(?:ssn|social security(?: number| no\.?| #)?)\W{0,4}(?P<v>(?P<a>\d{3})[ ]?(?P<g>\d{2})[ ]?(?P<s>\d{4}))"
         + NA, 0.85),
        flags=re.I,
    )

    def find(self, text, nlp_artifacts):  # noqa: ANN001, ANN201
        for pattern, score in self.PATTERNS:
            for m in pattern.finditer(text):
                group = "v" if m.groupdict().get("v") else 0
                if ssn_ok(m.group("a"), m.group("g"), m.group("s")) and not vetoed(text, m.start(group)):
                    yield m.start(group), m.end(group), score


class IpRule(RegexRecognizer):
    ENTITY = "IP_ADDRESS"
    PATTERNS = compile_all(
        (r"(?<![A-Za-z0-9_.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?!\.?\d)(?![A-Za-z_])", 0.85),
        (r"(?<![A-Za-z0-9_:.])(?=[0-9A-Fa-f:]*::?[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}(?:%[A-Za-z0-9]+)?(?![A-Za-z0-9_:])",
         0.85),
    )
    VERSION_BEFORE = re.compile(r"(?:\b(?:v|version|ver\.?|release|build)|版本)\s*$", re.I)

    def valid(self, value: str, text: str, start: int) -> bool:
        if self.VERSION_BEFORE.search(text[max(0, start - 10):start]):
            return False
        try:
            ipaddress.ip_interface(value.split("%")[0])
        except ValueError:
            return False
        return ":" in value or value.count(".") == 3
