"""The verification rules as data: loaded from a JSON file (shipped defaults, or a path from settings).

The checks themselves are code (`policy.py`); which ones run, for whom, with which words, thresholds and
reasons is configuration a compliance officer can read and change without a release.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_RULES_PATH = Path(__file__).with_name("default_rules.json")
KNOWN_RULES = ("commitment", "customer_request", "unsupported_price", "unsupported_claim", "pii", "negative_sentiment",
               "new_rep", "channel", "first_contact", "low_confidence", "output_check", "reply_language",
               "handover_promise", "circuit_breaker", "prompt_disclosure")


class RulesError(ValueError):
    """The rules file is unreadable or says something we cannot apply."""


@dataclass(frozen=True)
class Rule:
    id: str
    enabled: bool
    personas: tuple[str, ...]
    reason: str
    params: dict[str, Any] = field(default_factory=dict)

    def applies(self, persona: str) -> bool:
        return self.enabled and persona in self.personas

    def regex(self, key: str) -> re.Pattern[str] | None:
        patterns = self.params.get(key) or []
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.I) if patterns else None


@dataclass(frozen=True)
class QueueRules:
    lease_seconds: int = 300
    sla_seconds: int = 900
    sla_seconds_by_rule: dict[str, int] = field(default_factory=dict)
    expire_hours: float = 72

    def sla_for(self, rule_ids: list[str]) -> int:
        """The tightest SLA of the rules that fired (a complaint waits less than a price check)."""
        return min([self.sla_seconds, *(self.sla_seconds_by_rule[r] for r in rule_ids if r in self.sla_seconds_by_rule)])


@dataclass(frozen=True)
class BreakerRules:
    window_days: float = 3
    threshold: float = 0.4
    min_decisions: int = 10
    heavy_edit_ratio: float = 0.3


@dataclass(frozen=True)
class Rules:
    rules: dict[str, Rule]
    queue: QueueRules
    breaker: BreakerRules
    source: str = ""

    def get(self, rule_id: str) -> Rule:
        return self.rules.get(rule_id) or Rule(rule_id, False, (), "")


def load_rules(path: str | Path | None = None, **overrides: Any) -> Rules:
    """Rules from `path` (empty: the shipped defaults). Rules missing from a custom file keep their defaults,
    so a file can switch one rule off without restating the rest. `overrides` replace breaker/queue values."""
    defaults = _read(DEFAULT_RULES_PATH)
    data = _read(Path(path)) if path else defaults
    raw_rules = {**defaults["rules"], **data.get("rules", {})}
    unknown = sorted(set(raw_rules) - set(KNOWN_RULES))
    if unknown:
        raise RulesError(f"unknown rule(s) {', '.join(unknown)} in {path}; known: {', '.join(KNOWN_RULES)}")
    rules = {}
    for rid, raw in raw_rules.items():
        if not isinstance(raw, dict):
            raise RulesError(f"rule {rid!r} must be an object")
        params = {k: v for k, v in raw.items() if k not in {"enabled", "personas", "reason"}}
        rule = Rule(rid, bool(raw.get("enabled", True)), tuple(raw.get("personas", ["customer"])),
                    str(raw.get("reason") or rid), params)
        for key in (k for k in params if k.endswith("patterns")):  # patterns, claim_patterns, offer_patterns…
            if isinstance(params.get(key), list):
                try:
                    rule.regex(key)
                except re.error as exc:
                    raise RulesError(f"rule {rid!r}: bad pattern in {key}: {exc}") from exc
        rules[rid] = rule
    queue = {**defaults.get("queue", {}), **data.get("queue", {})}
    breaker = {**defaults.get("breaker", {}), **data.get("breaker", {}),
               **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return Rules(rules, QueueRules(**queue), BreakerRules(**breaker), str(path or DEFAULT_RULES_PATH))
    except TypeError as exc:
        raise RulesError(f"{path}: {exc}") from exc


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"verification rules file {path} does not exist") from exc
    except json.JSONDecodeError as exc:
        raise RulesError(f"verification rules file {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"verification rules file {path} must hold a JSON object")
    return data
