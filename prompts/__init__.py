"""Versioned prompt templates, English and Chinese. A template's version is the hash of its text."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Template:
    name: str
    language: str
    text: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    def render(self, **values: str) -> str:
        out = self.text
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out


@functools.cache
def load(name: str, language: str = "en") -> Template:
    """`name` like "customer"; falls back to English when a translation is missing."""
    language = language if language in LANGUAGES else "en"
    path = TEMPLATES / f"{name}.{language}.md"
    if not path.exists():
        path = TEMPLATES / f"{name}.en.md"
    if not path.exists():
        raise KeyError(f"no prompt template {name!r}")
    return Template(name, language, path.read_text(encoding="utf-8").strip())


def stage_guidance(stage: str, language: str = "en") -> str:
    """The `stages` template's line for a sales stage (how to sound at that point, not what to say)."""
    for line in load("stages", language).text.splitlines():
        name, _, text = line.partition(":")
        if name.strip() == stage:
            return text.strip()
    return ""
