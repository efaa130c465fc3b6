"""Decides whether a draft may go out on its own or must wait for a reviewer, and records why.

Each enabled rule looks at the facts of one draft (`DraftFacts`) and, when it fires, adds its reason.
The rules' words, thresholds and scope come from `rules.py` (settings), not from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from guardrails.verification.rules import Rule, Rules, load_rules

MONEY = re.compile(r"(?:[$¥€£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:USD|CNY|RMB|EUR|元|美元|dollars?))", re.I)
CITATION_MARK = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class DraftFacts:
    """Everything the rules may look at for one draft. The runner fills what it knows."""

    text: str
    persona: str = "customer"
    channel: str = "web"
    evidence: str = ""  # text of the sources the draft drew on
    cited: bool = False  # the draft cites at least one retrieved source
    customer_text: str = ""  # the message being answered
    first_contact: bool = False  # no message of ours has reached this customer on this channel yet
    rep_started_on: date | None = None
    confidence: float | None = None  # None: the model gave no confidence
    findings: list[str] = field(default_factory=list)  # output-check findings, already worded
    pii: list[str] | None = None  # entity types a PII detector found; None: use the rule's patterns
    flow_tripped: bool = False  # the circuit breaker holds this flow in always-review
    today: date | None = None
    instructions: str = ""  # our own instructions to the model (system prompt without the sources): never shown


@dataclass(frozen=True)
class Verdict:
    needs_review: bool
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # ids of the rules that fired, same order as reasons


def _digits(text: str) -> str:
    return re.sub(r"[^\d.]", "", text).rstrip(".")


def unsupported_amounts(draft: str, evidence: str) -> list[str]:
    """Money amounts in the draft that appear in none of the sources it drew on."""
    known = {_digits(m.group(0)) for m in MONEY.finditer(evidence)} | set(re.findall(r"\d[\d.]*", evidence))
    return [m.group(0) for m in MONEY.finditer(draft) if _digits(m.group(0)) not in known]


def _matches(rx: re.Pattern[str] | None, text: str, limit: int = 3) -> list[str]:
    if rx is None:
        return []
    seen: list[str] = []
    for m in rx.finditer(text):
        word = m.group(0).strip()
        if word and word.lower() not in (s.lower() for s in seen):
            seen.append(word)
        if len(seen) >= limit:
            break
    return seen


def _words(rule: Rule, text: str) -> list[str]:
    low = text.lower()
    hits = [w for w in rule.params.get("words_en", []) if re.search(rf"\b{re.escape(w)}", low)]
    hits += [w for w in rule.params.get("words_zh", []) if w in text]
    return hits[:3]


# --- one function per rule: (rule, facts) -> detail or None ----------------------------------------


def _commitment(rule: Rule, f: DraftFacts) -> str | None:
    found = _matches(rule.regex("patterns"), f.text)
    return f"“{'”, “'.join(found)}”" if found else None


def _unsupported_price(rule: Rule, f: DraftFacts) -> str | None:
    amounts = unsupported_amounts(f.text, f.evidence)
    return f"{', '.join(amounts[:3])} is in no source" if amounts else None


def _unsupported_claim(rule: Rule, f: DraftFacts) -> str | None:
    text = CITATION_MARK.sub("", f.text).strip()
    if f.cited or len(text) < int(rule.params.get("min_chars", 40)):
        return None
    rx = rule.regex("claim_patterns")
    hit = rx.search(text) if rx else None
    if hit is None:
        return None
    start = max(text.rfind(".", 0, hit.start()) + 1, hit.start() - 40)
    return f"“{text[start:start + 60].strip()}…” cites nothing"


def _pii(rule: Rule, f: DraftFacts) -> str | None:
    if f.pii is not None:
        kinds = sorted(set(f.pii))
    else:
        kinds = [kind for kind, pattern in (rule.params.get("patterns") or {}).items() if re.search(pattern, f.text)]
    return ", ".join(kinds) if kinds else None


def _negative_sentiment(rule: Rule, f: DraftFacts) -> str | None:
    hits = _words(rule, f.customer_text)
    return f"“{'”, “'.join(hits)}”" if hits else None


def _new_rep(rule: Rule, f: DraftFacts) -> str | None:
    if f.rep_started_on is None:
        return None
    today = f.today or date.today()
    days = int(rule.params.get("days", 30))
    if today - f.rep_started_on < timedelta(days=days):
        return f"started {f.rep_started_on.isoformat()}, under {days} days ago"
    return None


def _channel(rule: Rule, f: DraftFacts) -> str | None:
    return f.channel if f.channel in rule.params.get("channels", []) else None


def _first_contact(rule: Rule, f: DraftFacts) -> str | None:
    return f.channel if f.first_contact and f.channel in rule.params.get("channels", []) else None


def _low_confidence(rule: Rule, f: DraftFacts) -> str | None:
    floor = float(rule.params.get("min_confidence", 0.5))
    return f"{f.confidence:.2f} < {floor:.2f}" if f.confidence is not None and f.confidence < floor else None


def _output_check(rule: Rule, f: DraftFacts) -> str | None:
    return "; ".join(f.findings[:3]) if f.findings else None


_LATIN_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_HAN_CHARS = re.compile(r"[\u3400-\u9fff]")


def _shingles(items: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(items[i:i + n]) for i in range(len(items) - n + 1)}


def _prompt_disclosure(rule: Rule, f: DraftFacts) -> str | None:
    """The draft repeats a long run of our instructions word for word (N Latin words or M Han characters in a
    row): the model is reciting its system prompt. Short shared phrases ("a person from our team") are normal."""
    if not f.instructions or not f.text:
        return None
    for tokenize, n, sep in ((lambda t: _LATIN_WORDS.findall(t.lower()), int(rule.params.get("min_words", 8)), " "),
                             (_HAN_CHARS.findall, int(rule.params.get("min_han_chars", 14)), "")):
        common = _shingles(tokenize(f.text), n) & _shingles(tokenize(f.instructions), n)
        if common:
            return f"“{sep.join(min(common))}…”"
    return None


def _circuit_breaker(rule: Rule, f: DraftFacts) -> str | None:
    return "flow is in always-review" if f.flow_tripped else None


CHECKS: dict[str, Callable[[Rule, DraftFacts], str | None]] = {
    "commitment": _commitment, "unsupported_price": _unsupported_price, "unsupported_claim": _unsupported_claim,
    "pii": _pii, "negative_sentiment": _negative_sentiment, "new_rep": _new_rep, "channel": _channel,
    "first_contact": _first_contact, "low_confidence": _low_confidence, "output_check": _output_check,
    "circuit_breaker": _circuit_breaker, "prompt_disclosure": _prompt_disclosure,
}
# Rules that look only at the draft's text: the streaming path checks these sentence by sentence.
TEXT_RULES = ("commitment", "unsupported_price", "pii")


class VerificationPolicy:
    def __init__(self, rules: Rules | None = None):
        self.rules = rules or load_rules()

    def evaluate(self, facts: DraftFacts, only: tuple[str, ...] | None = None,
                 skip: tuple[str, ...] = ()) -> Verdict:
        reasons, fired = [], []
        for rid, check in CHECKS.items():
            if (only is not None and rid not in only) or rid in skip:
                continue
            rule = self.rules.get(rid)
            if not rule.applies(facts.persona):
                continue
            detail = check(rule, facts)
            if detail:
                reasons.append(f"{rule.reason} ({detail})")
                fired.append(rid)
        return Verdict(bool(reasons), reasons, fired)

    def before_drafting(self, facts: DraftFacts) -> Verdict:
        """Rules that do not depend on the draft's text: known before the first token streams."""
        return self.evaluate(facts, skip=(*TEXT_RULES, "unsupported_claim", "low_confidence", "output_check"))

    def sentence(self, sentence: str, *, evidence: str, persona: str) -> Verdict:
        return self.evaluate(DraftFacts(sentence, persona=persona, evidence=evidence), only=TEXT_RULES)


_DEFAULT = VerificationPolicy()


def review_reasons(draft: str, *, evidence: str, persona: str, foreign_pii: list[str] | None = None) -> Verdict:
    """The draft-text rules with the shipped defaults (kept for callers that have only the text).

    `foreign_pii`: placeholders the PII guard would not restore for this recipient (someone else's data);
    they count as an output-check finding."""
    verdict = _DEFAULT.sentence(draft, evidence=evidence, persona=persona)
    if not foreign_pii:
        return verdict
    finding = other_person_pii(foreign_pii)
    return Verdict(True, [*verdict.reasons, finding], [*verdict.rules, "output_check"])


def other_person_pii(placeholders: list[str]) -> str:
    return f"other_person_pii: {', '.join(placeholders[:5])} belongs to someone the recipient may not see"
