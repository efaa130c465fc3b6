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
from retrieval.language import detect_language

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
    tools_called: tuple[str, ...] = ()  # tools the agent ran in this turn


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


# --- numbers tied to an edition --------------------------------------------------------------------
# A number can be in the sources and still be wrong: 36 months is Pro's retention, not Enterprise's. So a
# number in a draft sentence that names an edition must be in a source passage (a sentence's clause, a table
# cell with its row and column headers) that names the same edition. Edition names come from the sources:
# "X edition/plan/tier" with X capitalised mid-sentence (a name, not "Monthly plans"), the first column of a
# table headed Edition/Plan/Tier/版本, Chinese "…版" names, and aliases like 基础版（Starter）.

EDITION_WORD = re.compile(r"\b([A-Z][A-Za-z0-9+-]*)\s+(?:edition|plan|tier)s?\b")
# "Enterprise is our top tier": the draft calling a name an edition counts like "Enterprise edition" (a cited FAQ
# passage may name editions only as "on Pro", "on Enterprise", which alone makes none of them a name)
EDITION_IS = re.compile(r"\b([A-Z][A-Za-z0-9+-]*)\s+(?:is|was)\s+(?:our|the|a|an)\s+(?:[a-z-]+\s+){0,2}"
                        r"(?:edition|plan|tier)\b")
ZH_EDITION = re.compile(r"[\u4e00-\u9fff]{2}版(?!本)")
ZH_ALIASES = (re.compile(r"([\u4e00-\u9fff]{2}版)\s*[（(]\s*([A-Z][A-Za-z0-9+-]*)\s*[)）]"),
              re.compile(r"([A-Z][A-Za-z0-9+-]*)\s*[（(]\s*([\u4e00-\u9fff]{2}版)\s*[)）]"))
NAME_SHAPE = r"[A-Z][A-Za-z0-9+-]*|[\u4e00-\u9fff]{2}版"
EDITION_HEADER = re.compile(r"^(edition|plan|tier|版本)", re.I)
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d[\d,]*(?:\.\d+)?")
SHOWN_UNIT = re.compile(r"\s?(?:%|[A-Za-z]+|[\u4e00-\u9fff]{1,2})")
YEARLY_AFTER = re.compile(r"\s*(?:annually|yearly|per year|a year|each year|every year|per annum|/\s?(?:year|yr)\b|/\s?年|每年)",
                          re.I)
YEARLY_BEFORE = re.compile(r"(?:每年|一年)\s*(?:起|约)?\s*[$¥€£]?\s*$")
DRAFT_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；;])|\n+")
# A sentence that names no edition but goes on about the one before it ("Enterprise is our top tier. It includes
# 36 months of retention.") speaks of that edition. Only a reference at its very start counts (it, they, this
# plan, 该版本, 它, 其…, maybe after "Also,"/"此外"): a sentence opening with anything else may start a new subject
# (the trial, the API), and tying its numbers to the edition before would hold correct replies.
CONTINUES = re.compile(
    r"^[\s*•>\"'“‘(-]*(?:(?:also|and|plus|in addition|besides|on top of that)\s*,?\s+)?"
    r"(?:it|its|it's|they|their|they're|both"
    r"|(?:this|that|these|those|the)\s+(?:plan|edition|tier|version|package|subscription)s?"
    r"|(?:this|that)\s+one"
    r"|(?:this|that)(?:'s|\s+(?:is|was|includes?|comes?|has|gives?|offers?|allows?|keeps?|provides?|supports?"
    r"|covers?|adds?|gets?|lets?|means?|also|will|can|would)))\b"
    r"|^[\s*•>“‘（(-]*(?:(?:此外|另外|同时|而且|并且)[，,]?\s*)?"
    r"(?:它们?|其(?![他它实余次中])|两者|二者|(?:该|此|这个?|这一|这款|上述)(?:版本|版|方案|套餐)"
    r"|这(?=是|意味着|包括|包含|也|还|就))",
    re.I)
CLAUSE = re.compile(r",(?!\d{3})|[;，；、]")  # not the comma of 30,000


def _number(text: str) -> str:
    n = text.replace(",", "")
    return n.rstrip("0").rstrip(".") if "." in n else n


def _cells(line: str) -> list[str]:
    return [c.strip(" *") for c in line.strip().strip("|").split("|")]


def _edition_names(evidence: str, draft: str) -> dict[str, str]:
    """Edition names the sources use, each mapped to one key (aliases of one edition share it)."""
    def proper(name: str) -> bool:  # capitalised after a lower-case word or a comma: a name, not a sentence start
        return re.search(rf"(?<=[a-z,;:)] ){re.escape(name)}\b", evidence) is not None

    said = [*EDITION_WORD.finditer(f"{evidence}\n{draft}"), *EDITION_IS.finditer(draft)]
    names = {m.group(1) for m in said if proper(m.group(1))}
    names |= set(ZH_EDITION.findall(evidence))
    header: list[str] = []
    headers: list[list[str]] = []
    for line in evidence.splitlines():
        if not line.lstrip().startswith("|"):
            header = []
            continue
        cells = _cells(line)
        if not header:
            header = cells
            headers.append(cells[1:])
        elif EDITION_HEADER.match(header[0]) and not set(cells[0]) <= set("-: "):
            first = re.sub(r"\s*[(（].*", "", cells[0])
            if re.fullmatch(NAME_SHAPE, first):
                names.add(first)
    for cells in headers:  # | Feature | Starter | Pro | Enterprise |: one known name makes its neighbours names
        if names & set(cells):
            names |= {c for c in cells if re.fullmatch(NAME_SHAPE, c)}
    # "12 months on Starter, 36 months on Pro, and on Enterprise …": a name after the same word as a known one
    for sentence in DRAFT_SENTENCE.split(evidence):
        for word in {m.group(1) for n in names for m in re.finditer(rf"\b(on|in|for) {re.escape(n)}\b", sentence)}:
            names |= set(re.findall(rf"\b{word} ([A-Z][A-Za-z0-9+-]*)\b", sentence))
    key = {n: n for n in names}
    for rx in ZH_ALIASES:
        for a, b in rx.findall(evidence):
            latin, zh = (b, a) if a.endswith("版") else (a, b)
            key[zh] = key[latin] = latin
    return key


def _names_in(text: str, key: dict[str, str]) -> set[str]:
    return {k for n, k in key.items() if (n in text if n.endswith("版") else
                                          re.search(rf"(?<![A-Za-z]){re.escape(n)}\b", text))}


def _number_units(evidence: str, key: dict[str, str]) -> list[tuple[set[str], set[str]]]:
    """(numbers, editions) per passage of the sources: a table cell (with its row's first cell and its
    column's header) or a clause of a sentence (a clause naming no edition belongs to the one named before)."""
    units: list[tuple[set[str], set[str]]] = []
    header: list[str] = []
    for line in evidence.splitlines():
        if line.lstrip().startswith("|"):
            cells = _cells(line)
            if not header:
                header = cells
                continue
            if all(set(c) <= set("-: ") for c in cells):
                continue
            for j, cell in enumerate(cells[1:], start=1):
                row = _names_in(cells[0], key) | (_names_in(header[j], key) if j < len(header) else set())
                units += _clauses(f"{cells[0]}, {cell}", key, row)
            continue
        header = []
        for sentence in DRAFT_SENTENCE.split(line):
            units += _clauses(sentence, key, set())
    return units


def _clauses(text: str, key: dict[str, str], given: set[str]) -> list[tuple[set[str], set[str]]]:
    """A clause's numbers belong to the editions it names, else to those named before it in the same
    sentence or cell, else to `given` (the row and column), else to every edition the sentence names."""
    everywhere, before, out = _names_in(text, key), set(), []
    for clause in CLAUSE.split(text):
        before = _names_in(clause, key) or before
        out.append(({_number(n) for n in NUMBER.findall(clause)}, before or given or everywhere))
    return out


def _yearly(text: str, start: int, end: int) -> bool:
    return bool(YEARLY_AFTER.match(text, end) or YEARLY_BEFORE.search(text[max(0, start - 6):start]))


def edition_mismatches(draft: str, evidence: str) -> list[str]:
    """Numbers in a draft sentence naming an edition (or going on about the edition the sentence before
    named) that no source passage gives for that edition, edition names no source has, and amounts quoted per
    year that the sources give per another period. `draft` without its [n] markers (_unsupported_price)."""
    if not evidence.strip():  # nothing to compare with: amounts are unsupported_amounts', claims another rule's
        return []
    text = re.sub(r"(?m)^\s*\d+[.)]\s+", "", draft)  # list numbering is not a fact
    key = _edition_names(evidence, text)
    low = evidence.lower()
    found: list[str] = []
    named = [m.group(0) for m in EDITION_WORD.finditer(text)] + ZH_EDITION.findall(text)
    for mention in named:
        name = mention if mention.endswith("版") else mention.split()[0]
        if (name not in evidence if name.endswith("版") else
                not re.search(rf"\b{re.escape(name.lower())}\b", low)):
            found.append(f"“{mention}”: no source names it")
    units = _number_units(evidence, key) if key else []
    before: set[str] = set()  # the editions the sentence before spoke of
    for sentence in DRAFT_SENTENCE.split(text):
        if not sentence.strip():
            continue
        names = before = _names_in(sentence, key) or (before if CONTINUES.match(sentence) else set())
        if not names:
            continue
        for m in NUMBER.finditer(sentence):
            number, unit = _number(m.group(0)), SHOWN_UNIT.match(sentence, m.end())
            shown = sentence[max(0, m.start() - 1):m.start()].strip(" ,:") + m.group(0) + (unit.group(0) if unit else "")
            holders = [n for nums, n in units if number in nums]
            if not holders:
                found.append(f"“{shown.strip()}” for {', '.join(sorted(names))} is in no source")
            elif not any(not h or h & names for h in holders):
                found.append(f"“{shown.strip()}” is given for {', '.join(sorted(set().union(*holders)))}, "
                             f"not {', '.join(sorted(names))}")
    for m in MONEY.finditer(text):
        if not _yearly(text, m.start(), m.end()):
            continue
        digits = _digits(m.group(0))
        given = [e for e in NUMBER.finditer(evidence) if _number(e.group(0)) == _number(digits)]
        if given and not any(_yearly(evidence, e.start(), e.end()) for e in given):
            found.append(f"“{m.group(0)}” a year: the sources give {m.group(0).strip()} for another period")
    return list(dict.fromkeys(found))


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
    text = CITATION_MARK.sub("", f.text)  # "[1]" is a source number, not an amount
    amounts = unsupported_amounts(text, f.evidence)
    found = [f"{', '.join(amounts[:3])} is in no source"] if amounts else []
    found += [m for m in edition_mismatches(text, f.evidence) if not any(a in m for a in amounts)]
    return "; ".join(found[:3]) or None


def _customer_request(rule: Rule, f: DraftFacts) -> str | None:
    """The customer asks for a discount, special pricing or other contract terms: a person answers that,
    whatever the draft says (the model often declines politely without any word the commitment rule sees).
    Asking which offers we publish ("is there an education discount?") is not asking for one: the docs answer
    it, and the draft's own rules (commitment, unsupported_price) still hold a draft that grants or invents one."""
    found = _matches(rule.regex("patterns"), f.customer_text) + _offers_asked_for(rule, f.customer_text)
    found = list({w.lower(): w for w in found}.values())[:3]
    return f"the customer wrote “{'”, “'.join(found)}”" if found else None


def _offers_asked_for(rule: Rule, text: str) -> list[str]:
    """Offer words (discount, 优惠…) in a message that does not just ask which offers we have: each sentence
    naming one must be a question about them, and no sentence may ask for one for this customer ("for us",
    "can you give", "we need", a figure; "Do you have nonprofit discounts? We want one." is a request)."""
    offers, about, asking = (rule.regex(k) for k in ("offer_patterns", "asking_about_patterns", "asking_for_patterns"))
    sentences = [(s, _matches(offers, s)) for s in DRAFT_SENTENCE.split(text)]
    words = [w for _, found in sentences for w in found]
    if not words:
        return []
    questions = all(about is not None and about.search(s) for s, found in sentences if found)
    return [] if questions and not (asking and asking.search(text)) else words


def _handover_promise(rule: Rule, f: DraftFacts) -> str | None:
    """The draft says a person will take over (often our own fallback or holding text, copied from the
    history). The runner turns this into a real handoff; anywhere else it holds the draft."""
    if set(f.tools_called) & set(rule.params.get("kept_by_tools", [])):
        return None  # the turn routed the lead, scheduled the call or handed over: someone does follow up
    found = _matches(rule.regex("patterns"), f.text, limit=1)
    return f"“{found[0]}”" if found else None


def _reply_language(rule: Rule, f: DraftFacts) -> str | None:
    """The draft is in another language than the message it answers (a small model follows the history's
    language). A finding that holds the draft rather than a retry: the prompt already names the language
    (prompts/customer.*.md: "Reply in the customer's language"), so asking the same model again with the
    same prompt and history mostly repeats the cost of a turn on a CPU; a reviewer fixes it in seconds, and
    the breaker counts it. While streaming it is checked on the reply so far (PREFIX_RULES), so the customer
    sees none of such a draft.
    Messages too short to tell ("ok", "SSO?", "好的") are not judged."""
    floor = int(rule.params.get("min_letters", 8))
    draft = CITATION_MARK.sub("", f.text)
    if min(sum(ch.isalpha() for ch in t) for t in (f.customer_text, draft)) < floor:
        return None
    want, got = detect_language(f.customer_text), detect_language(draft)
    names = {"en": "English", "zh": "Chinese"}
    return f"the customer wrote in {names[want]}, the draft is in {names[got]}" if want != got else None


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
    "commitment": _commitment, "customer_request": _customer_request, "unsupported_price": _unsupported_price,
    "unsupported_claim": _unsupported_claim, "pii": _pii, "negative_sentiment": _negative_sentiment,
    "new_rep": _new_rep, "channel": _channel, "first_contact": _first_contact, "low_confidence": _low_confidence,
    "output_check": _output_check, "reply_language": _reply_language, "handover_promise": _handover_promise,
    "circuit_breaker": _circuit_breaker, "prompt_disclosure": _prompt_disclosure,
}
# Rules that look only at the draft's text: the streaming path checks these sentence by sentence.
TEXT_RULES = ("commitment", "unsupported_price", "pii", "handover_promise")
# Rules about the reply as a whole that a streamed prefix can already fail: text failing them is not shown
# yet (a later sentence may cite a source), so a customer never sees a draft that is then taken back.
# unsupported_price is here too: "It includes 36 months" passes on its own, and only with the sentence
# before ("Enterprise is …") is it Enterprise's wrong number.
PREFIX_RULES = ("unsupported_claim", "reply_language", "unsupported_price")


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
        return self.evaluate(facts, skip=(*TEXT_RULES, "unsupported_claim", "low_confidence", "output_check",
                                          "reply_language"))

    def sentence(self, sentence: str, *, evidence: str, persona: str) -> Verdict:
        return self.evaluate(DraftFacts(sentence, persona=persona, evidence=evidence), only=TEXT_RULES)

    def prefix(self, facts: DraftFacts) -> Verdict:
        """The reply streamed so far (`facts.text`), judged by the whole-reply rules a prefix can fail."""
        return self.evaluate(facts, only=PREFIX_RULES)


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
