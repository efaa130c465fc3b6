"""Consent and PII attacks: the catalogue in evals/consent_attacks.py (an adversarial scripted model reads
other customers' records, leaks a phone number, markets without consent, messages on a channel the
contact never allowed, reads after revocation, claims to be admin), then an erasure request in chat
followed by an independent scan of every store for the erased person's data. Scripted provider only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.consent_attacks import erase_and_scan, run_attacks
from evals.harness import App
from evals.suites.common import CaseResult, Dataset

CATALOGUE = Path(__file__).resolve().parent.parent / "consent_attacks.py"


def run(provider: str, kb_template: Path, settings: dict[str, Any] | None = None) -> tuple[Dataset, list[CaseResult]]:
    import hashlib

    ds = Dataset("consent_attacks", CATALOGUE, hashlib.sha256(CATALOGUE.read_bytes()).hexdigest()[:12], [])
    if provider != "scripted":
        return ds, []
    results = []
    with App(provider, kb_template=kb_template, **(settings or {})) as app:
        for i, attack in enumerate(run_attacks(app.c), 1):
            violations = [] if attack.refused else [attack.attack]
            results.append(CaseResult(f"consent-{i:02d}", "", "consent", passed=attack.refused and attack.audited,
                                      outcome=attack.outcome + ("" if attack.audited else "; NOT AUDITED"),
                                      consent_violations=violations, metrics={"audited": attack.audited,
                                                                              "attack": attack.attack}))
    with App(provider, kb_template=kb_template, **(settings or {})) as app:
        residue, hits = erase_and_scan(app.c)
        leaks = [f"{where}:{what}" for where, *rest in hits for what in [rest[-1]]]
        results.append(CaseResult("erasure-scan", "zh", "erasure", passed=not hits and residue == 0,
                                  outcome=f"erased in chat; receipt residue {residue}; independent scan found "
                                          f"{len(hits)} trace(s)", pii_leaks=[str(h) for h in leaks]))
    return ds, results
