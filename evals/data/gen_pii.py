"""Build the labelled PII sets from templates and random fictional values (fixed seeds).

    python -m evals.data.gen_pii          # writes evals/data/pii_{en,zh}.jsonl and pii_heldout_{en,zh}.jsonl

Each line: {"id", "lang" ("en" | "zh" | null for mixed), "text", "spans": [{"start", "end", "type"}]}.
Slots in CAPITALS inside braces are PII (gold spans); ORDER, PRICE, SKU, DATE, QTY, SERIAL (18 digits
failing the ID checksum) and TRACKING (16 digits failing Luhn) are distractors and are never gold.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from types import ModuleType

from evals.data import templates_heldout, templates_main
from evals.data.values import Values

HERE = Path(__file__).parent
SLOT = re.compile(r"\{(\w+)\}")


def _slots(v: Values) -> dict[str, tuple[str | None, object]]:
    """slot -> (gold type or None for a distractor, value factory)"""
    return {
        "PERSON": ("PERSON", v.person), "FIRST": ("PERSON", v.first_name),
        "LOWERFIRST": ("PERSON", lambda: v.first_name().lower()), "LASTNAME": ("PERSON", lambda: v.r.choice(v.last)),
        "ZHPERSON": ("PERSON", v.zh_person), "ZHSURNAME": (None, lambda: v.r.choice(v.zh_surnames.split()[:10])),
        "EMAIL": ("EMAIL_ADDRESS", v.email), "USPHONE": ("PHONE_NUMBER", v.us_phone),
        "INTLPHONE": ("PHONE_NUMBER", v.intl_phone), "CNMOBILE": ("PHONE_NUMBER", v.cn_mobile),
        "CNLAND": ("PHONE_NUMBER", v.cn_landline), "CNID": ("CN_RESIDENT_ID", v.cn_id), "SSN": ("US_SSN", v.ssn),
        "CARD": ("CREDIT_CARD", v.card), "WECHAT": ("WECHAT_ID", v.wechat), "IP": ("IP_ADDRESS", v.ip),
        "ADDRESS": ("STREET_ADDRESS", v.address), "ZHADDRESS": ("STREET_ADDRESS", v.zh_address),
        "ORDER": (None, v.order), "PRICE": (None, v.price), "SKU": (None, v.sku), "DATE": (None, v.date),
        "ZHDATE": (None, v.zh_date), "QTY": (None, v.qty), "ZHQTY": (None, v.zh_qty), "SERIAL": (None, v.serial),
        "TRACKING": (None, v.tracking),
    }


def fill(template: str, slots: dict[str, tuple[str | None, object]]) -> tuple[str, list[dict[str, object]]]:
    text, spans, pos = "", [], 0
    for m in SLOT.finditer(template):
        text += template[pos:m.start()]
        gold, make = slots[m.group(1)]
        value = make()  # type: ignore[operator]
        if gold:
            spans.append({"start": len(text), "end": len(text) + len(value), "type": gold})
        text += value
        pos = m.end()
    return text + template[pos:], spans


def build(module: ModuleType, seed: int, per_language: int, mixed_share: float, prefix: str) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    values = Values(rng, module.FIRST, module.LAST, module.ZH_SURNAMES, module.ZH_GIVEN, module.STREETS,
                    module.CITIES, module.ZH_PLACES, module.ZH_ROADS)
    slots = _slots(values)
    out: dict[str, list[dict]] = {"en": [], "zh": []}
    seen: set[str] = set()
    n_mixed = int(per_language * mixed_share)
    for lang, templates in (("en", module.EN), ("zh", module.ZH)):
        order = list(templates)
        rng.shuffle(order)
        i = 0
        while len(out[lang]) < per_language - n_mixed:
            text, spans = fill(order[i % len(order)], slots)
            i += 1
            if text not in seen:
                seen.add(text)
                out[lang].append({"lang": lang, "text": text, "spans": spans})
    i = 0
    while min(len(out["en"]), len(out["zh"])) < per_language:
        text, spans = fill(module.MIXED[i % len(module.MIXED)], slots)
        i += 1
        lang = "en" if len(out["en"]) <= len(out["zh"]) else "zh"  # mixed messages go to both files
        if text not in seen and len(out[lang]) < per_language:
            seen.add(text)
            out[lang].append({"lang": None, "text": text, "spans": spans})
    for lang, rows in out.items():
        for n, row in enumerate(rows, 1):
            row["id"] = f"{prefix}{lang}-{n:04d}"
    return out


def write(rows: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({"id": row["id"], "lang": row["lang"], "text": row["text"], "spans": row["spans"]},
                               ensure_ascii=False) + "\n")


def main() -> None:
    for module, seed, n, name in ((templates_main, 20261122, 330, "pii_{}.jsonl"),
                                  (templates_heldout, 9731, 220, "pii_heldout_{}.jsonl")):
        sets = build(module, seed, n, 0.12, "h-" if "heldout" in name else "")
        for lang, rows in sets.items():
            write(rows, HERE / name.format(lang))
            print(f"{name.format(lang)}: {len(rows)} messages, {sum(len(r['spans']) for r in rows)} gold spans")


if __name__ == "__main__":
    main()
