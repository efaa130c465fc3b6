"""Street addresses. English: number + street name + street type, then unit, city, state, ZIP.
Chinese: administrative parts (省/市/区/县/镇) ending in a road (路/街/大道/巷/弄) with a house number
(号), then building, unit and room (栋/楼/单元/层/室). A city or district on its own is not an address."""

from __future__ import annotations

from guardrails.pii.recognizers.base import RegexRecognizer, compile_all

STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Parkway|Pkwy|Terrace|Ter|"
    "Highway|Hwy|Square|Sq|Circle|Cir|Loop|Row|Trail|Trl|Plaza|Alley|Crescent|Close|Gardens|Walk|Pike|Path|Broadway"
)
UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Floor|Fl|Room|Rm|Bldg|Building|#)\.?\s*#?[A-Za-z0-9-]{1,6})"
CITY = r"(?:,\s*[A-Z][A-Za-z.'-]+(?:\s[A-Z][A-Za-z.'-]+){0,2})"
STATE_ZIP = r"(?:,?\s*[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?|\s+\d{5}(?:-\d{4})?)"
STREET_NAME = r"(?:(?:[NSEW]|North|South|East|West)\.?\s+)?(?:(?:[A-Z][A-Za-z'-]*|\d{1,3}(?:st|nd|rd|th))\.?\s+){1,4}"

EN_ADDRESS = (r"(?<![\w-])\d{1,6}[A-Za-z]?(?:-\d{1,4})?\s+" + STREET_NAME + r"(?:" + STREET_TYPES + r")\.?(?![A-Za-z])"
              + UNIT + r"?" + r"(?:" + CITY + STATE_ZIP + r"?)?")
PO_BOX = r"(?<!\w)P\.?\s?O\.?\s+Box\s+\d{1,6}(?:" + CITY + STATE_ZIP + r"?)?"

HANZI_NUM = r"[0-9一二三四五六七八九十百零〇]"
_PLACE_CHAR = r"(?:(?![的是在到址寄送我您请发往和与或及给从把为就都也]){han})".format(han=r"[\u4e00-\u9fff]")
UNIT_PART = r"(?:[A-Za-z0-9]{1,5}|" + HANZI_NUM + r"{1,4})(?:号楼|栋|幢|座|楼|层|单元|室|号|区|期)"
BUILDING = r"(?:[\u4e00-\u9fffA-Za-z]{2,10}?(?:大厦|中心|广场|园区|小区|花园|公寓|大楼|园|城|苑|府))"
ZH_ADDRESS = (
    r"(?:" + _PLACE_CHAR + r"{2,6}(?:省|自治区|特别行政区))?"
    r"(?:" + _PLACE_CHAR + r"{1,6}?市)?"
    r"(?:" + _PLACE_CHAR + r"{1,6}?(?:区|县|旗))?"
    r"(?:" + _PLACE_CHAR + r"{1,6}?(?:镇|乡|街道))?"
    r"(?:" + _PLACE_CHAR + r"|[0-9A-Za-z]){1,10}?(?:路|街|大道|大街|巷|弄|胡同|道|里)(?:[东西南北中]段)?"
    r"(?:" + HANZI_NUM + r"{1,5}(?:弄|巷))?" + HANZI_NUM + r"{1,5}号(?![码楼])"
    r"(?:之" + HANZI_NUM + r"{1,3})?"
    r"(?:\s?(?:" + UNIT_PART + r"|" + BUILDING + r"))*"
    r"(?:[0-9]{3,4}室?)?"
)


class EnglishAddressRule(RegexRecognizer):
    ENTITY = "STREET_ADDRESS"
    LANGUAGE = "en"
    VETO_BY_CONTEXT = False
    PATTERNS = compile_all((EN_ADDRESS, 0.8), (PO_BOX, 0.8))


class ChineseAddressRule(RegexRecognizer):
    ENTITY = "STREET_ADDRESS"
    LANGUAGE = "zh"
    VETO_BY_CONTEXT = False
    PATTERNS = compile_all((ZH_ADDRESS, 0.85))
