"""What every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the ingested folder (or a case id)
    title: str
    sections: list[Section]
    language: str = ""  # empty = detect per chunk
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str
