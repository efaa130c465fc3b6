"""The policy decision point: who may touch whose data (ABAC), for which purpose, and what the contact
agreed to (consent by purpose × data category × channel).

Inputs are the authenticated actor, ids and the purpose and categories a tool *declares*; nothing here
reads message text, so no prompt can widen access. Every decision is recorded: inside a tool call into
the call's trace (the agent's middleware writes one audit entry per call), otherwise straight to the
audit chain.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from guardrails.audit import AuditLog
from guardrails.consent.ledger import ConsentLedger
from guardrails.consent.scope import AccountScope, ContactScope, Scopes
from tools.policy import CHANNELS, DATA_CATEGORIES, PURPOSES, Actor, Decision

# What each role may use data for at all. Consent applies on top, for every role: an admin cannot
# market to someone who did not agree to marketing.
ROLE_PURPOSES: Mapping[str, frozenset[str]] = {
    "customer": frozenset({"service", "sales_followup", "marketing", "profiling"}),  # their own data only
    "rep": frozenset({"service", "sales_followup", "marketing", "profiling", "case_learning"}),
    "reviewer": frozenset({"service", "sales_followup"}),
    "admin": frozenset(PURPOSES),
    "agent": frozenset(PURPOSES),  # background jobs acting for the company (indexing, scoring)
}
# Tools only staff may call, whatever a customer conversation's model asks for. A tool can also declare
# `metadata["roles"]`; this default covers the rep copilot's tools by name.
STAFF_TOOLS: Mapping[str, tuple[str, ...]] = {
    "search_accounts": ("rep", "admin"),
    "log_activity": ("rep", "admin"),
    "draft_script": ("rep", "admin"),
    "route_lead": ("rep", "admin", "agent"),
}
CASE_LEARNING_CATEGORIES = ("conversation_content",)
PROFILING_CATEGORIES = ("company_profile", "purchase_history", "social_behavioural")

_TRACE: ContextVar[list[dict[str, Any]] | None] = ContextVar("consent_trace", default=None)


@contextmanager
def trace_decisions() -> Iterator[list[dict[str, Any]]]:
    """Collect every decision made inside the block (one tool call) instead of auditing each one."""
    decisions: list[dict[str, Any]] = []
    token = _TRACE.set(decisions)
    try:
        yield decisions
    finally:
        _TRACE.reset(token)


def actor_label(actor: Actor) -> str:
    return f"{actor.role}:{actor.id}" if actor.id else actor.role


def deny(reason: str, missing: Sequence[tuple[str, str, str]] = ()) -> Decision:
    return Decision(False, reason=reason, missing=tuple(missing))


class ConsentPolicy:
    """Implements `tools.policy.DataPolicy`, plus the outbound, retrieval and scoring checks."""

    def __init__(self, ledger: ConsentLedger, scopes: Scopes, *, audit: AuditLog | None = None,
                 staff_tools: Mapping[str, Sequence[str]] = STAFF_TOOLS):
        self.ledger = ledger
        self.scopes = scopes
        self.audit = audit
        self.staff_tools = dict(staff_tools)

    # -- the DataPolicy protocol ---------------------------------------------------------------

    def decide(self, actor: Actor, *, contact_id: str | None, purpose: str, categories: Sequence[str],
               account_id: str | None = None) -> Decision:
        decision = self._decide(actor, contact_id, purpose, list(categories), account_id)
        self._record("decide", actor, contact_id, purpose, categories, decision, account=account_id)
        return decision

    # -- other checks --------------------------------------------------------------------------

    def may_call(self, actor: Actor, *, tool: str, purpose: str, roles: Sequence[str] | None = None) -> Decision:
        """May this role call this tool at all (before any data is looked at)? A refusal is recorded."""
        decision = self.callable_by(actor, tool=tool, purpose=purpose, roles=roles)
        if not decision.allowed:
            self._record("tool", actor, None, purpose, (), decision, tool=tool)
        return decision

    def callable_by(self, actor: Actor, *, tool: str, purpose: str, roles: Sequence[str] | None = None) -> Decision:
        """The same answer as `may_call`, without a record: used to show a model only the tools its turn's
        actor may call (least privilege, and a shorter menu for small models)."""
        allowed_roles = tuple(roles) if roles else self.staff_tools.get(tool)
        if allowed_roles is not None and actor.role not in allowed_roles:
            decision = deny(f"the {actor.role} role may not use the tool {tool!r}")
        elif purpose and purpose not in PURPOSES:
            decision = deny(f"the tool {tool!r} declares an unknown purpose {purpose!r}")
        elif purpose and purpose not in ROLE_PURPOSES.get(actor.role, frozenset()):
            decision = deny(f"the {actor.role} role may not process data for {purpose}")
        else:
            decision = Decision(True)
        return decision

    def can_contact(self, contact_id: str | None, channel: str, purpose: str) -> Decision:
        """The outbound check: may we send this contact a message on `channel` for `purpose`?"""
        system = Actor("agent", None, channel)
        if channel not in CHANNELS:
            decision = deny(f"unknown channel {channel!r}")
        elif purpose not in PURPOSES:
            decision = deny(f"unknown purpose {purpose!r}")
        elif contact_id is None:
            # an anonymous visitor: we may only answer them in the session they opened
            decision = Decision(True) if purpose == "service" else deny(
                f"{purpose} messages need a known contact who agreed to them")
        else:
            scope = self.scopes.contact(contact_id)
            decision = self._state(scope, contact_id) or self._consent(contact_id, purpose, ["contact_details"],
                                                                       channel, strict=True)
        self._record("outbound", system, contact_id, purpose, ["contact_details"], decision, channel=channel)
        return decision

    def case_learning_allowed(self, contact_id: str) -> bool:
        """May this contact's past cases help other customers (retrieval indexes them only then)?"""
        scope = self.scopes.contact(contact_id)
        if self._state(scope, contact_id) is not None:
            return False
        return self._consent(contact_id, "case_learning", list(CASE_LEARNING_CATEGORIES), None, strict=True).allowed

    def profiling(self, contact_id: str, categories: Sequence[str] = PROFILING_CATEGORIES) -> Decision:
        """May we score this contact (lead scoring uses behaviour and history)? Every category is needed."""
        scope = self.scopes.contact(contact_id)
        decision = self._state(scope, contact_id) or self._consent(contact_id, "profiling", list(categories), None,
                                                                   strict=True)
        self._record("profiling", Actor("agent", None), contact_id, "profiling", categories, decision)
        return decision

    def may_view(self, actor: Actor, contact_id: str) -> Decision:
        """ABAC only: may this actor see the contact's consent status and history (not their data)?"""
        scope = self.scopes.contact(contact_id)
        if scope is None:
            return deny("no such contact")
        return self._abac(actor, scope, None) or Decision(True)

    # -- internals -----------------------------------------------------------------------------

    def _decide(self, actor: Actor, contact_id: str | None, purpose: str, categories: list[str],
                account_id: str | None) -> Decision:
        if purpose not in PURPOSES:
            return deny(f"unknown purpose {purpose!r}")
        unknown = [c for c in categories if c not in DATA_CATEGORIES]
        if unknown:
            return deny(f"unknown data categories {', '.join(unknown)}")
        if purpose not in ROLE_PURPOSES.get(actor.role, frozenset()):
            return deny(f"the {actor.role} role may not process data for {purpose}")
        if contact_id is None:
            account = self.scopes.account(account_id) if account_id else None
            if account_id and account is None:
                return deny("no such account")
            if account is None and actor.role == "customer" and categories:
                return deny("customers can only see their own records")
            return (self._abac(actor, None, account) if account else None) or Decision(True)
        scope = self.scopes.contact(contact_id)
        if scope is None:
            return deny("customers can only see their own records" if actor.role == "customer" else "no such contact")
        refused = self._abac(actor, scope, None) or self._state(scope, contact_id)
        if refused:
            return refused
        if account_id and (scope.account is None or scope.account.account_id != account_id):
            return deny("the contact does not belong to that account")
        if not categories:
            return Decision(True)
        # consent is about how we use data with the contact: the channel matters when the contact is the
        # one we are talking to; staff reading a record internally need the purpose and categories only
        channel = actor.channel if actor.role == "customer" else None
        return self._consent(contact_id, purpose, categories, channel, strict=False)

    def _abac(self, actor: Actor, contact: ContactScope | None, account: AccountScope | None) -> Decision | None:
        """None when the actor may see this contact or account, else the refusal."""
        if actor.role in ("admin", "agent", "reviewer"):
            return None
        if actor.role == "customer":
            if contact is not None:
                return None if actor.id and contact.contact_id == actor.id else deny(
                    "customers can only see their own records")
            own = self.scopes.contact(actor.id) if actor.id else None
            mine = own.account.account_id if own and own.account else None
            return None if account is not None and account.account_id == mine else deny(
                "customers can only see their own records")
        if actor.role == "rep":
            rep = self.scopes.rep(actor.id) if actor.id else None
            if rep is None or not rep.active:
                return deny("unknown or inactive rep")
            target = contact.account if contact is not None else account
            if target is None:
                return deny("the contact has no account, so it is in no rep's scope")
            if target.owner_rep_id == rep.rep_id or target.region in rep.territories:
                return None
            return deny(f"the account is outside rep {rep.rep_id}'s accounts and territories")
        return deny(f"unknown role {actor.role!r}")

    @staticmethod
    def _state(scope: ContactScope | None, contact_id: str) -> Decision | None:
        if scope is None:
            return deny("no such contact")
        if scope.erased:
            return deny("this contact's data was erased")
        if scope.frozen:
            return deny("this contact's data is frozen by a data-subject request; nothing may use it")
        return None

    def _consent(self, contact_id: str, purpose: str, categories: list[str], channel: str | None, *,
                 strict: bool) -> Decision:
        """Allowed, allowed with the ungranted categories masked, or denied with what is missing.
        `strict`: every category is needed (outbound, scoring), so a partial grant is a denial."""
        grants = [(cats, chans) for cats, chans in self.ledger.coverage(contact_id, purpose)
                  if channel is None or channel in chans]
        granted = {c for cats, _ in grants for c in cats}
        lacking = [c for c in categories if c not in granted]
        missing = tuple((purpose, c, channel or "*") for c in lacking)
        where = f" on {channel}" if channel else ""
        if not grants:
            return deny(f"the contact has not agreed to {purpose}{where}", missing)
        if lacking and (strict or len(lacking) == len(categories)):
            return deny(f"the contact's {purpose} consent{where} does not cover {', '.join(lacking)}", missing)
        if lacking:
            return Decision(True, masked=frozenset(lacking), missing=missing,
                            reason=f"withheld {', '.join(lacking)}: not covered by the contact's {purpose} consent")
        return Decision(True)

    def _record(self, check: str, actor: Actor, contact_id: str | None, purpose: str, categories: Sequence[str],
                decision: Decision, **extra: Any) -> None:
        entry = {"check": check, "actor": actor_label(actor), "contact": contact_id, "purpose": purpose,
                 "categories": list(categories), **{k: v for k, v in extra.items() if v is not None},
                 **decision.as_dict()}
        trace = _TRACE.get()
        if trace is not None:
            trace.append(entry)
        elif self.audit is not None:
            self.audit.append(actor=actor_label(actor), action=f"policy.{check}",
                              subject=f"contact:{contact_id}" if contact_id else "", purpose=purpose, detail=entry)
