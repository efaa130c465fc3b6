"""The contract between data-touching tools and the consent/ABAC policy.

Tools declare *why* (purpose) and *what* (data categories) they need, ask a `DataPolicy` before
returning anything about a contact, and apply the decision (refuse, or mask fields). The policy itself
is implemented in `guardrails` and injected by `app`; tools never decide access on their own, and a
model can never widen it: who is asking comes from the authenticated turn, not from tool arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

PURPOSES = ("service", "sales_followup", "marketing", "profiling", "case_learning", "third_party")
DATA_CATEGORIES = ("contact_details", "company_profile", "purchase_history", "conversation_content",
                   "social_behavioural")
CHANNELS = ("wecom", "slack", "web", "email", "sms", "phone")

# Which data category each CRM field belongs to; masking works field by field.
FIELD_CATEGORIES: Mapping[str, str] = {
    # contacts
    "name": "contact_details", "title": "contact_details", "email": "contact_details", "phone": "contact_details",
    "wechat_id": "contact_details", "web_visitor_id": "contact_details", "slack_user_id": "contact_details",
    "wecom_external_userid": "contact_details",
    # accounts
    "industry": "company_profile", "region": "company_profile", "country": "company_profile",
    "employees": "company_profile", "tier": "company_profile",
    # deals, leads, activities, cases
    "deals": "purchase_history", "products": "purchase_history", "edition": "purchase_history",
    "amount": "purchase_history",
    "activities": "conversation_content", "cases": "conversation_content", "summary": "conversation_content",
    "score": "social_behavioural", "score_reasons": "social_behavioural", "bant": "social_behavioural",
}


@dataclass(frozen=True)
class Actor:
    """Who is asking, from the authenticated channel identity (never from model output)."""

    role: str  # customer | rep | reviewer | admin | agent
    id: str | None  # contact id for customers, rep id for reps
    channel: str = "web"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    masked: frozenset[str] = frozenset()  # data categories to mask in what is returned
    reason: str = ""  # for a denial: what is missing, in words a person understands
    missing: tuple[tuple[str, str, str], ...] = field(default=())  # (purpose, category, channel) grants to ask for

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "masked": sorted(self.masked), "reason": self.reason,
                "missing": [list(m) for m in self.missing]}


class DataPolicy(Protocol):
    def decide(self, actor: Actor, *, contact_id: str | None, purpose: str, categories: Sequence[str],
               account_id: str | None = None) -> Decision: ...


def mask(record: Mapping[str, Any], decision: Decision) -> dict[str, Any]:
    """The record with every field whose category the decision masks replaced by a marker."""
    return {k: ("[withheld: no consent]" if FIELD_CATEGORIES.get(k) in decision.masked else v)
            for k, v in record.items()}


def withhold(value: Any, decision: Decision) -> Any:  # noqa: ANN401 - JSON
    """`value` (dicts, lists and scalars, as a tool returns them) with every field of a category the decision
    masks replaced by the marker at every depth: a masked key hides its whole value, and the records nested
    in other records and in lists are masked the same way (a contact's email inside `contact`, a deal's
    amount inside `deals`). Dates and times become ISO strings. Tools apply it to what they return; the
    consent middleware applies it again to every tool's JSON result (applying it twice changes nothing)."""
    if isinstance(value, Mapping):
        return {str(k): withhold(v, decision) for k, v in mask(value, decision).items()}
    if isinstance(value, list | tuple):
        return [withhold(v, decision) for v in value]
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value


def actor_for(persona: str, *, contact_id: str | None, rep_id: str | None, channel: str = "web") -> Actor:
    """The actor of an authenticated turn: a customer is their contact, a rep is their rep id; any other
    persona gets a role the policy does not know, so it is refused."""
    if persona == "customer":
        return Actor("customer", contact_id, channel)
    if persona == "rep":
        return Actor("rep", rep_id, channel)
    return Actor(persona, None, channel)
