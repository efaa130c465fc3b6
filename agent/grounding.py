"""Questions our documentation cannot answer, decided in code before the model drafts anything.

A small model asked "Is it HIPAA compliant?" answers "yes" whatever the sources say. When what a
question is about occurs nowhere in the documents this customer can read, the honest answer is that
we do not know, and a person should take it: the runner sends NOT_DOCUMENTED and hands off.
"""

from __future__ import annotations

import re

from retrieval.lexical import HAN, key_terms

NOT_DOCUMENTED = {
    "en": "I don't have that in our documentation, so I can't confirm it and won't guess. I've passed your "
          "question to our team and a person will reply here soon.",
    "zh": "抱歉，我们的资料中没有这方面的信息，我无法确认，也不想猜测。我已经把您的问题转给了我们的团队，稍后会有同事在这里回复您。",
}
# a name the documents would have to mention: an acronym or a word with capitals inside (HIPAA, SLA, FedRAMP)
NAME = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b")
TITLE = re.compile(r"\b[A-Z][a-z]+\b")
QUESTION = re.compile(r"[?？]|[吗呢]|多少|怎么|如何|哪|几|是否|能否|有没有|能不能|可不可以"
                      r"|^\s*(is|are|do|does|did|can|could|will|would|what|whats|how|which|who|when|where|why)\b", re.I)


def undocumented_terms(question: str, unknown: list[str]) -> list[str]:
    """The key terms that make `question` unanswerable from the documents, or [] to let the model answer.

    `unknown` are the question's key terms found in no readable document (Searcher.unknown_terms).
    Deliberately strict, because refusing an answerable question costs a sale: a single unknown word is
    a typo or a paraphrase ("tablaeu", 闲置), so it takes an unknown name plus another unknown term that is
    not part of a proper name ("ACME Corp" is the customer's company), or at least two unknown Chinese words that are half or more of the question's Chinese key terms."""
    if len(unknown) < 2 or not QUESTION.search(question):
        return []
    names = {w.lower() for w in NAME.findall(question)}
    titled = {w.lower() for w in TITLE.findall(question)}
    if names & set(unknown) and len([t for t in unknown if t in names or t not in titled]) >= 2:
        return unknown
    chinese = [t for t in key_terms(question) if HAN.fullmatch(t)]
    unknown_chinese = [t for t in unknown if HAN.fullmatch(t)]
    if len(unknown_chinese) >= 2 and 2 * len(unknown_chinese) >= len(chinese):
        return unknown
    return []
