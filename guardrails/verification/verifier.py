"""What the runner asks: should this draft wait for a person, and if so, hold it. One object that
combines the policy (rules), the circuit breaker (per-flow always-review) and the queue."""

from __future__ import annotations

from dataclasses import replace

from guardrails.verification.breaker import CircuitBreaker
from guardrails.verification.policy import DraftFacts, Verdict, VerificationPolicy
from guardrails.verification.queue import ReviewQueue


def flow_of(persona: str, channel: str) -> str:
    """The unit the circuit breaker and the reviewer metrics count by."""
    return f"{channel}:{persona}"


class Verifier:
    def __init__(self, policy: VerificationPolicy, queue: ReviewQueue, breaker: CircuitBreaker | None = None):
        self.policy, self.queue, self.breaker = policy, queue, breaker

    def _with_breaker(self, facts: DraftFacts) -> DraftFacts:
        if self.breaker is None:
            return facts
        return replace(facts, flow_tripped=self.breaker.always_review(flow_of(facts.persona, facts.channel)))

    def assess(self, facts: DraftFacts) -> Verdict:
        return self.policy.evaluate(self._with_breaker(facts))

    def before_drafting(self, facts: DraftFacts) -> Verdict:
        return self.policy.before_drafting(self._with_breaker(facts))

    def sentence(self, sentence: str, *, evidence: str, persona: str) -> Verdict:
        return self.policy.sentence(sentence, evidence=evidence, persona=persona)

    def prefix(self, facts: DraftFacts) -> Verdict:
        return self.policy.prefix(facts)
