"""Leads for the app: capture, qualify, score, route, notify, and re-route on decline or a missed SLA.

Every step is durable in the CRM database (leads, offers, round-robin turns), so a restart loses
nothing; a lead nobody can take goes to the unassigned queue (status "unassigned") with the reason.
Collaborators are injected: `notify(rep_id, event) -> bool` (the outbox's staff notification, idempotent
by `event["key"]`) and `profiling_allowed(contact_id) -> bool` (the consent policy's scoring check).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from tools.crm.store import CrmStore, RoutingState
from tools.leads.qualification import Qualifier
from tools.leads.routing import LeadFacts, RepFacts, RoutingRules, route
from tools.leads.scoring import LeadScorer, features_of
from tools.leads.text import language_of, product_line_of
from tools.sqlbase import utcnow

log = logging.getLogger(__name__)
Notify = Callable[[str, dict[str, Any]], bool]


class LeadService:
    def __init__(self, store: CrmStore, *, notify: Notify, routing_state: RoutingState | None = None,
                 sla_minutes: float = 30.0, rules: RoutingRules | None = None, qualifier: Qualifier | None = None,
                 scorer: LeadScorer | None = None, profiling_allowed: Callable[[str], bool] | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.store = store
        self.state: RoutingState = routing_state or store  # type: ignore[assignment] - SqlCrmStore is both
        self.notify = notify
        self.sla_minutes = sla_minutes
        self.rules = rules or RoutingRules()
        self.qualifier = qualifier or Qualifier()
        self.scorer = scorer or LeadScorer(store.closed_deals)
        self.profiling_allowed = profiling_allowed
        self.clock = clock

    # -- capture ----------------------------------------------------------------------------------

    def create_lead(self, text: str, *, rep_id: str | None = None, contact_id: str | None = None,
                    source: str = "web", language: str | None = None, conversation_id: str | None = None,
                    product_line: str | None = None, estimated_value: float | None = None) -> dict[str, Any]:
        text = (text or "").strip()
        if not text:
            raise ValueError("a lead needs a description")
        contact = self.store.contact(contact_id) if contact_id else None
        if contact_id and contact is None:
            raise ValueError(f"unknown contact {contact_id!r}")
        account = self.store.account(contact["account_id"]) if contact and contact.get("account_id") else None
        account = account or self.store.match_account(text)
        found = self.qualifier.qualify([text])
        value = estimated_value if estimated_value is not None else (found.bant.get("budget") or 0.0)
        return self.store.create_lead(
            summary=text[:4000], source=source, status="new", contact_id=contact_id,
            account_id=account["id"] if account else None, conversation_id=conversation_id, created_by=rep_id,
            language=language or (contact or {}).get("language") or language_of(text),
            region=(account or {}).get("region") or (contact or {}).get("region") or "",
            product_line=product_line if product_line is not None else product_line_of(text),
            estimated_value=float(value), bant=found.bant)

    # -- scoring ----------------------------------------------------------------------------------

    def features(self, lead: Mapping[str, Any]) -> dict[str, float]:
        account = self.store.account(lead["account_id"]) if lead.get("account_id") else None
        won = sum(1 for d in self.store.closed_deals()
                  if account and d["account_id"] == account["id"] and d["stage"] == "won")
        return features_of(value=float(lead.get("estimated_value") or 0),
                           employees=int((account or {}).get("employees") or 0),
                           tier=str((account or {}).get("tier") or ""), prior_won=won,
                           activities=self.store.account_activity_count(account["id"]) if account else 0,
                           bant=lead.get("bant") or {})

    def may_score(self, lead: Mapping[str, Any]) -> bool:
        """Scoring profiles a person: a lead tied to a contact needs their profiling consent."""
        contact_id = lead.get("contact_id")
        if not contact_id:
            return True
        return self.profiling_allowed is not None and bool(self.profiling_allowed(contact_id))

    def score(self, lead_id: str, language: str = "en", *, consented: bool = False) -> dict[str, Any]:
        """`consented`: the caller already checked profiling consent for the asking actor."""
        lead = self._lead(lead_id)
        if not consented and not self.may_score(lead):
            return {"lead_id": lead_id, "scored": False,
                    "reason": "the contact has not agreed to profiling, so this lead is not scored"}
        result = self.scorer.score(self.features(lead), language)
        self.store.update_lead(lead_id, score=result.score, score_reasons=result.reasons)
        return {"lead_id": lead_id, "scored": True, **result.as_dict()}

    # -- routing ----------------------------------------------------------------------------------

    def route_lead(self, lead_id: str, *, now: datetime | None = None) -> dict[str, Any]:
        """Offer the lead to one rep and notify them, or queue it with the reason. Returns {"rep_id",
        "rep_name", "reason", "assignment_id"} or {"reason", "queued": True}."""
        now = now or self.clock()
        lead = self._lead(lead_id)
        if lead["status"] in ("assigned", "accepted"):
            rep = self.store.rep(lead["assigned_rep_id"]) or {}
            return {"lead_id": lead_id, "rep_id": lead["assigned_rep_id"], "rep_name": rep.get("name"),
                    "reason": "already assigned", "already": True}
        if lead.get("score") is None and self.may_score(lead):
            self.score(lead_id, lead.get("language") or "en")
            lead = self._lead(lead_id)
        passed = {a["rep_id"] for a in self.state.assignments(lead_id) if a["state"] in ("declined", "expired")}
        account = self.store.account(lead["account_id"]) if lead.get("account_id") else None
        facts = LeadFacts(id=lead_id, region=lead.get("region") or "", language=lead.get("language") or "",
                          product_line=lead.get("product_line") or "", value=float(lead.get("estimated_value") or 0),
                          owner_rep_id=(account or {}).get("owner_rep_id"))
        decision = route(facts, [RepFacts.of(r) for r in self.store.reps()], loads=self.state.open_loads(),
                         rotation=self.state.rotation(), now=now, exclude=passed, rules=self.rules)
        if decision.rep_id is None:
            self.state.unassign(lead_id, decision.reason)
            # the sweeper retries queued leads every minute: say it once, not every minute
            again = lead["status"] == "unassigned" and lead.get("unassigned_reason") == decision.reason
            log.log(logging.DEBUG if again else logging.INFO, "lead %s queued unassigned: %s", lead_id, decision.reason)
            return {"lead_id": lead_id, "rep_id": None, "reason": decision.reason, "queued": True}
        due = now + timedelta(minutes=self.sla_minutes)
        offer = self.state.assign(lead_id, decision.rep_id, reason=decision.reason, sla_due_at=due, now=now)
        if offer is None:  # someone else routed it at the same moment
            return self.route_lead(lead_id, now=now) if self._lead(lead_id)["status"] in ("assigned", "accepted") \
                else {"lead_id": lead_id, "rep_id": None, "reason": "the lead changed while routing; try again"}
        rep = self.store.rep(decision.rep_id) or {}
        if self.notify(decision.rep_id, self.event(self._lead(lead_id), offer)):
            self.state.mark_notified(offer["id"])
        return {"lead_id": lead_id, "rep_id": decision.rep_id, "rep_name": rep.get("name"),
                "reason": decision.reason, "assignment_id": offer["id"], "sla_due_at": due.isoformat()}

    def event(self, lead: Mapping[str, Any], offer: Mapping[str, Any]) -> dict[str, Any]:
        """The notification the rep gets (the keys channels/slack/leads.py reads)."""
        account = self.store.account(lead["account_id"]) if lead.get("account_id") else None
        contact = self.store.contact(lead["contact_id"]) if lead.get("contact_id") else None
        due = offer.get("sla_due_at")
        return {"kind": "lead_assigned", "key": f"lead:{lead['id']}:offer:{offer['id']}", "lead_id": lead["id"],
                "summary": lead.get("summary") or "", "account": (account or {}).get("name"),
                "contact": (contact or {}).get("name"), "score": lead.get("score"),
                "score_reasons": list(lead.get("score_reasons") or []), "product_line": lead.get("product_line"),
                "estimated_value": lead.get("estimated_value"), "language": lead.get("language"),
                "reason": offer.get("reason"), "sla_due_at": due.isoformat() if isinstance(due, datetime) else due,
                "sla_minutes": self.sla_minutes}

    # -- the rep's answer and the SLA ---------------------------------------------------------------

    def on_accept(self, lead_id: str, rep_id: str) -> dict[str, Any]:
        accepted = self.state.settle(lead_id, rep_id, "accepted", self.clock())
        return {"lead_id": lead_id, "rep_id": rep_id, "accepted": accepted}

    def on_decline(self, lead_id: str, rep_id: str) -> dict[str, Any]:
        """The rep passed (or their time ran out): re-route to someone who has not passed on it."""
        if not self.state.settle(lead_id, rep_id, "declined", self.clock()):
            return {"lead_id": lead_id, "rep_id": None, "reason": "no open offer to that rep"}
        return self.route_lead(lead_id)

    def reroute_expired(self, now: datetime | None = None) -> int:
        """Offers not accepted within the SLA expire and their leads are routed again. Returns how many."""
        now = now or self.clock()
        count = 0
        for offer in self.state.expired_offers(now):
            if self.state.settle(offer["lead_id"], offer["rep_id"], "expired", now):
                self.route_lead(offer["lead_id"], now=now)
                count += 1
        return count

    def retry_unassigned(self, now: datetime | None = None, limit: int = 100) -> int:
        """Queued leads get another go (a rep's shift started, capacity freed). Returns how many found a rep."""
        now = now or self.clock()
        return sum(1 for lead in self.store.leads(status="unassigned", limit=limit)
                   if self.route_lead(lead["id"], now=now).get("rep_id"))

    def housekeeping(self, now: datetime | None = None) -> dict[str, int]:
        """What a periodic job runs: expired offers re-routed, then queued leads retried."""
        now = now or self.clock()
        return {"rerouted": self.reroute_expired(now), "from_queue": self.retry_unassigned(now)}

    def unassigned(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.store.leads(status="unassigned", limit=limit)

    # -- qualification over a conversation ---------------------------------------------------------

    def qualify(self, lead_id: str, messages: Sequence[str], language: str = "en", *,
                qualifier: Qualifier | None = None) -> dict[str, Any]:
        lead = self._lead(lead_id)
        result = (qualifier or self.qualifier).qualify(messages, lead.get("bant") or {}, language)
        fields: dict[str, Any] = {"bant": result.bant}
        if result.bant.get("budget") and not lead.get("estimated_value"):
            fields["estimated_value"] = float(result.bant["budget"])
        self.store.update_lead(lead_id, **fields)
        return {"lead_id": lead_id, **result.as_dict()}

    def _lead(self, lead_id: str) -> dict[str, Any]:
        lead = self.store.lead(lead_id)
        if lead is None:
            raise LookupError(f"no lead {lead_id!r}")
        return lead
