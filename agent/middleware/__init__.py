"""The agent's middleware stack, outermost first. Each concern is one module; `stack()` orders them."""

from __future__ import annotations

from typing import Any

from agent.middleware.consent import consent_guard
from agent.middleware.history import trim_history
from agent.middleware.pii import pii_middleware
from agent.middleware.system_prompt import system_prompt
from guardrails.audit import AuditLog
from guardrails.consent.policy import ConsentPolicy
from guardrails.pii import PiiGuard
from tools.crm.store import CrmStore


def stack(*, company: str, crm: CrmStore, history_budget_tokens: int, pii: PiiGuard | None = None,
          policy: ConsentPolicy | None = None, audit: AuditLog | None = None) -> list[Any]:
    # consent first: outermost around tool calls, so a refused call never reaches later tool middleware
    layers: list[Any] = [consent_guard(policy=policy, audit=audit)] if policy is not None and audit is not None else []
    return [
        *layers,
        system_prompt(company=company, crm=crm),
        trim_history(budget=history_budget_tokens),
        # innermost: sees the final system message and history, so the model only ever gets placeholders
        *([pii_middleware(pii)] if pii is not None else []),
    ]
