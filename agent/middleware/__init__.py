"""The agent's middleware stack, outermost first. Each concern is one module; `stack()` orders them."""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import ModelFallbackMiddleware, ModelRetryMiddleware

from agent.budget import TokenBudget
from agent.llm.factory import ModelHandle
from agent.middleware.consent import consent_guard
from agent.middleware.constrained import ConstrainedToolCalls, ToolTranscript
from agent.middleware.garbage import GarbageGuard, ModelGarbage
from agent.middleware.history import trim_history
from agent.middleware.pii import pii_middleware
from agent.middleware.system_prompt import system_prompt
from agent.middleware.usage import UsageMeter
from agent.usage import UsageStore
from guardrails.audit import AuditLog
from guardrails.consent.policy import ConsentPolicy
from guardrails.pii import PiiGuard
from tools.crm.store import CrmStore


def stack(*, company: str, crm: CrmStore, model: ModelHandle, history_cap: int = 0, pii: PiiGuard | None = None,
          policy: ConsentPolicy | None = None, audit: AuditLog | None = None, usage: UsageStore | None = None,
          garbage_retries: int = 1, max_tool_rounds: int = 2, max_passages: int = 4) -> list[Any]:
    def budget_for(chat: Any) -> TokenBudget:  # noqa: ANN401
        serving = model.serving(chat)
        return TokenBudget(serving.context, serving.max_tokens, max_passages)

    # consent first: outermost around tool calls, so a refused call never reaches later tool middleware
    layers: list[Any] = [consent_guard(policy=policy, audit=audit)] if policy is not None and audit is not None else []
    if model.fallbacks:  # the next model of the chain when one raises (errors, timeouts, garbage after retries)
        layers.append(ModelFallbackMiddleware(*[h.chat for h in model.chain()][1:]))
    if garbage_retries:  # garbage once more from the same model before falling back: sampling may do better
        layers.append(ModelRetryMiddleware(max_retries=garbage_retries, retry_on=(ModelGarbage,), on_failure="error",
                                           initial_delay=0.0, backoff_factor=0.0, jitter=False))
    def constrained(chat: Any) -> bool:  # noqa: ANN401
        return not model.serving(chat).native_tools

    return [
        *layers,
        system_prompt(company=company, crm=crm, budget_for=budget_for, constrained=constrained,
                      max_tool_rounds=max_tool_rounds),
        GarbageGuard(),
        ConstrainedToolCalls(constrained, max_tool_rounds=max_tool_rounds),
        trim_history(budget_for=budget_for, cap=history_cap),
        # sees the final system message and history, so the model only ever gets placeholders
        *([pii_middleware(pii)] if pii is not None else []),
        ToolTranscript(constrained),
        # innermost: counts exactly what the serving model received and produced
        *([UsageMeter(usage, lambda chat: model.serving(chat).name)] if usage is not None else []),
    ]
