"""Consent and access at every tool call, below the model.

Before a tool runs: may this role call it at all, and — for a tool that declares a purpose and data
categories — may this actor use this contact's data for that purpose (`DataPolicy.decide`)? A refusal
goes back to the model as the tool's result, saying what is missing so the agent can explain or ask.
After: fields of categories the decision masks are withheld from the tool's JSON result, at every depth
(`withhold`, the same masking the CRM tools apply to what they return themselves). Every call is
audited once: actor, tool, purpose, categories, argument names (never values), outcome, and every
policy decision made during the call (the tools' own included).

Who is asking comes from the authenticated turn (`TurnContext`), never from the model.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ToolCallRequest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from agent.context import TurnContext
from guardrails.audit import AuditLog
from guardrails.consent.policy import ConsentPolicy, actor_label, trace_decisions
from tools.policy import Actor, Decision, withhold


def actor_of(ctx: TurnContext) -> Actor:
    if ctx.persona == "customer":
        return Actor("customer", ctx.contact_id, ctx.channel)
    if ctx.persona == "rep":
        return Actor("rep", ctx.rep_id, ctx.channel)
    return Actor(ctx.persona, None, ctx.channel)  # unknown personas get no role the policy knows


def _targets(actor: Actor, ctx: TurnContext, args: dict[str, Any]) -> tuple[str | None, str | None]:
    """Whose data the call is about: ids in the arguments (checked, not trusted), else the conversation's
    customer."""
    contact = args.get("contact_id")
    account = args.get("account_id")
    contact = str(contact) if contact not in (None, "") else None
    account = str(account) if account not in (None, "") else None
    if contact is None and account is None:
        contact = ctx.contact_id
    return contact, account


def _masked(result: Any, decision: Decision) -> Any:  # noqa: ANN401 - ToolMessage | Command
    if not decision.masked or not isinstance(result, ToolMessage) or not isinstance(result.content, str):
        return result
    try:
        data = json.loads(result.content)
    except ValueError:
        return result  # not JSON: the tool applied the decision itself, or returned no fields
    return result.model_copy(update={"content": json.dumps(withhold(data, decision), ensure_ascii=False,
                                                          default=str)})


def _says_refused(result: Any) -> bool:  # noqa: ANN401 - ToolMessage | Command
    content = getattr(result, "content", None)
    if not isinstance(content, str) or '"refused"' not in content:
        return False
    try:
        data = json.loads(content)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("refused") is True


def refusal(decision: Decision) -> str:
    return json.dumps({"refused": True, "reason": decision.reason,
                       "missing_consent": [{"purpose": p, "data_category": c, "channel": ch}
                                           for p, c, ch in decision.missing],
                       "what_to_do": "Do not guess or invent this data. Tell the person plainly what is missing; "
                                     "if it is a consent, you may offer to ask them for it."}, ensure_ascii=False)


class ConsentGuard(AgentMiddleware):
    def __init__(self, *, policy: ConsentPolicy, audit: AuditLog):
        super().__init__()
        self.policy = policy
        self.audit = audit

    def _gate(self, request: ToolCallRequest) -> tuple[Decision, dict[str, Any]]:
        ctx: TurnContext = request.runtime.context
        actor = actor_of(ctx)
        call = request.tool_call
        meta = dict(getattr(request.tool, "metadata", None) or {})
        purpose = str(meta.get("purpose") or "")
        categories = [str(c) for c in meta.get("data_categories") or []]
        args = call.get("args") if isinstance(call.get("args"), dict) else {}
        contact, account = _targets(actor, ctx, args)
        if ctx.tools is not None and call["name"] not in ctx.tools:
            decision = Decision(False, reason=f"{call['name']} is not available here: this request may only use "
                                              f"{', '.join(sorted(ctx.tools)) or 'no tools'}")
        else:
            decision = self.policy.may_call(actor, tool=call["name"], purpose=purpose, roles=meta.get("roles"))
        if decision.allowed and purpose and categories and (contact or account or actor.role == "customer"):
            decision = self.policy.decide(actor, contact_id=contact, purpose=purpose, categories=categories,
                                          account_id=account)
        record = {"actor": actor_label(actor), "tool": call["name"], "purpose": purpose, "categories": categories,
                  "args": sorted(map(str, args)), "contact": contact, "account": account,
                  "conversation": ctx.conversation_id}
        return decision, record

    def _refuse(self, request: ToolCallRequest, decision: Decision) -> ToolMessage:
        call = request.tool_call
        return ToolMessage(content=refusal(decision), tool_call_id=call["id"], name=call["name"], status="error")

    def _audit(self, record: dict[str, Any], outcome: str, trace: list[dict[str, Any]]) -> None:
        subject = f"contact:{record['contact']}" if record["contact"] else f"conversation:{record['conversation']}"
        self.audit.append(actor=record["actor"], action=f"tool.{record['tool']}", subject=subject,
                          purpose=record["purpose"], detail={**record, "outcome": outcome, "decisions": trace})

    @staticmethod
    def _outcome(result: Any, trace: list[dict[str, Any]]) -> str:  # noqa: ANN401
        if any(not d.get("allowed", True) for d in trace):
            return "refused"  # the tool asked the policy itself and was told no
        if _says_refused(result):
            return "refused"  # the tool applied a rule of its own (e.g. who may act on a lead nobody owns)
        return "error" if getattr(result, "status", "") == "error" else "ok"

    def _visible(self, request: ModelRequest) -> ModelRequest:
        """The model is shown only the tools this turn's actor may call (and the turn allows)."""
        ctx: TurnContext = request.runtime.context
        actor = actor_of(ctx)
        tools = [t for t in request.tools if not isinstance(t, BaseTool) or (
            (ctx.tools is None or t.name in ctx.tools) and self.policy.callable_by(
                actor, tool=t.name, purpose=str((t.metadata or {}).get("purpose") or ""),
                roles=(t.metadata or {}).get("roles")).allowed)]
        return request if len(tools) == len(request.tools) else request.override(tools=tools)

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Any]) -> Any:  # noqa: ANN401
        return handler(self._visible(request))

    async def awrap_model_call(self, request: ModelRequest,
                               handler: Callable[[ModelRequest], Awaitable[Any]]) -> Any:  # noqa: ANN401
        return await handler(self._visible(request))

    def wrap_tool_call(self, request: ToolCallRequest,
                       handler: Callable[[ToolCallRequest], Any]) -> Any:  # noqa: ANN401
        with trace_decisions() as trace:
            decision, record = self._gate(request)
            if not decision.allowed:
                result, outcome = self._refuse(request, decision), "refused"
            else:
                try:
                    result = _masked(handler(request), decision)
                except Exception:
                    self._audit(record, "exception", trace)
                    raise
                outcome = self._outcome(result, trace)
        self._audit(record, outcome, trace)
        return result

    async def awrap_tool_call(self, request: ToolCallRequest,
                              handler: Callable[[ToolCallRequest], Awaitable[Any]]) -> Any:  # noqa: ANN401
        with trace_decisions() as trace:
            decision, record = self._gate(request)
            if not decision.allowed:
                result, outcome = self._refuse(request, decision), "refused"
            else:
                try:
                    result = _masked(await handler(request), decision)
                except Exception:
                    self._audit(record, "exception", trace)
                    raise
                outcome = self._outcome(result, trace)
        self._audit(record, outcome, trace)
        return result


def consent_guard(*, policy: ConsentPolicy, audit: AuditLog) -> ConsentGuard:
    return ConsentGuard(policy=policy, audit=audit)
