"""Checksums and range rules that tell real identifiers from look-alike numbers."""

from __future__ import annotations

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or len(number) < 12:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def cn_id_ok(value: str) -> bool:
    """GB 11643: 6-digit region, birth date, 3-digit sequence, ISO 7064 MOD 11-2 check character."""
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    check = _ID_CHECK[sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11]
    return value[17] == check


def cn_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """SSA never issues area 000, 666 or 900-999, group 00, or serial 0000."""
    return area not in {"000", "666"} and not area.startswith("9") and group != "00" and serial != "0000"
