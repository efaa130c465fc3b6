"""Language of a text: Chinese when Han characters are a real share of its letters, else English."""

from __future__ import annotations


def detect_language(text: str) -> str:
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for ch in text if ch.isalpha())
    return "zh" if letters and han / letters > 0.2 else "en"
