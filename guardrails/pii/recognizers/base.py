"""A lean Presidio recognizer: compiled regexes, a validator, and look-alike context that vetoes a match."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from presidio_analyzer import LocalRecognizer, RecognizerResult

# Words right before a number that make it an order, invoice, serial or tracking number, not PII.
DISTRACTOR_BEFORE = re.compile(
    r"(?:\b(?:order|invoice|inv|po|ref|reference|tracking|shipment|serial|s/n|sn|sku|ticket|case|batch|lot|"
    r"model|part|quote|quotation|license|licence|key|build|version|ver|item|product|asset|device)|"
    r"订单|单号|发票|序列|编号|流水|工单|快递|运单|物流|合同号|批次|型号|报价单|设备|许可证|工号|产品码|货号)"
    r"(?:\s*(?:number|num|no\.?|code|id|#|号码?|码|是|为|is|:|：|-))*\s*[:：#]?\s*$",
    re.I,
)


def vetoed(text: str, start: int, window: int = 28) -> bool:
    return DISTRACTOR_BEFORE.search(text[max(0, start - window):start]) is not None


Found = tuple[int, int, float]  # start, end, score


class RuleRecognizer(LocalRecognizer):
    """Subclasses implement `find(text)`; this class turns the spans into Presidio results."""

    ENTITY = ""
    LANGUAGE = "en"

    def __init__(self, language: str | None = None, name: str | None = None):
        super().__init__(supported_entities=[self.ENTITY], supported_language=language or self.LANGUAGE,
                         name=name or f"{type(self).__name__}_{language or self.LANGUAGE}")

    def load(self) -> None:  # everything is compiled at import
        pass

    def find(self, text: str, nlp_artifacts) -> Iterable[Found]:  # noqa: ANN001
        raise NotImplementedError

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:  # noqa: ANN001
        if self.ENTITY not in entities:
            return []
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in self.find(text, nlp_artifacts)]


class RegexRecognizer(RuleRecognizer):
    """Each pattern's match (group "v" if present) is kept when `valid(value, text, start)` says so."""

    PATTERNS: tuple[tuple[re.Pattern[str], float], ...] = ()
    VETO_BY_CONTEXT = True

    def valid(self, value: str, text: str, start: int) -> bool:
        return True

    def find(self, text: str, nlp_artifacts) -> Iterable[Found]:  # noqa: ANN001
        for pattern, score in self.PATTERNS:
            for m in pattern.finditer(text):
                group = "v" if "v" in pattern.groupindex else 0
                start, end = m.span(group)
                if start < 0:
                    continue
                if self.VETO_BY_CONTEXT and vetoed(text, start):
                    continue
                if self.valid(m.group(group), text, start):
                    yield start, end, score


def keyword(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def compile_all(*specs: tuple[str, float], flags: int = 0) -> tuple[tuple[re.Pattern[str], float], ...]:
    return tuple((re.compile(p, flags), s) for p, s in specs)


Validator = Callable[[str], bool]
