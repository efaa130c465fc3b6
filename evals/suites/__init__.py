"""The evaluation suites. Each is `run(provider, kb_template, settings) -> (Dataset, [CaseResult])` over a
versioned dataset in evals/datasets/ (or, for consent, the attack catalogue in evals/consent_attacks.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Suite:
    name: str
    about: str
    providers: tuple[str, ...]  # where it means something; elsewhere it is reported as skipped

    def runner(self) -> Callable:
        from importlib import import_module

        module, _, attr = RUNNERS[self.name].partition(":")
        return getattr(import_module(module), attr)


ALL = ("scripted", "local", "openai")
SUITES = {s.name: s for s in (
    Suite("grounded", "grounded QA over the demo docs (EN+ZH): coverage, citations, unanswerable", ALL),
    Suite("redteam", "prompt injection (messages, documents), other customers' data, internal docs, system "
                     "prompt, discounts", ALL),
    Suite("tool_misuse", "an adversarial scripted model misuses CRM tools on another contact", ("scripted",)),
    Suite("consent", "consent and PII attack catalogue, erasure with an independent residue scan", ("scripted",)),
    Suite("sales", "multi-turn sales conversations: tool calls, qualification, handoff", ALL),
    Suite("routing", "routing cases: lead routed to the expected rep", ALL),
)}
RUNNERS = {"grounded": "evals.suites.grounded:run", "redteam": "evals.suites.redteam:run",
           "tool_misuse": "evals.suites.tool_misuse:run", "consent": "evals.suites.consent:run",
           "sales": "evals.suites.conversations:run_sales", "routing": "evals.suites.conversations:run_routing"}
