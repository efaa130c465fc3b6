"""The agent's CRM tools. Each declares the purpose and data categories it needs and which roles may call
it (`metadata`, read by the consent middleware); who is asking always comes from the injected runtime
context (the authenticated turn), never from the model's arguments.

The middleware checks the role and, when the arguments name a contact or account, the policy before the
tool runs. Tools whose target is found only inside the tool (a lead's contact, an account by name) ask
the injected `DataPolicy` themselves and apply the decision (refuse or mask). Every tool that takes a lead
asks one lead-scope check (`lead_decision`) before it reads or changes the lead.

Customers reach: customer_360 (their own record only), create_or_update_lead and qualify_lead (the lead
of their own conversation only), handoff_to_human. Everything else is for reps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

# ToolRuntime[Any]: the turn context is ours (agent.context.TurnContext, a layer above); typed as None, as the
# default would be, pydantic warns on every tool call that the context it copies is not None
from langchain.tools import ToolRuntime
from langchain_core.messages import HumanMessage
from langchain_core.tools import BaseTool, tool

from tools.crm.scripts import STAGES, build_script
from tools.crm.store import CrmStore, Customer360
from tools.crm.when import due_from
from tools.leads.qualification import Qualifier
from tools.leads.service import LeadService
from tools.leads.text import OWN_DATA_CUE, PERSON_CUE, SALES_CUE
from tools.policy import Actor, DataPolicy, Decision, actor_for, withhold
from tools.sqlbase import utcnow

CUSTOMER_FIELDS = ("name", "title", "language", "region")
REP_CONTACT_FIELDS = ("id", "name", "title", "email", "phone", "language", "region")
ACCOUNT_FIELDS = ("name", "industry", "region", "country", "employees", "tier")
DEAL_FIELDS = ("name", "product_line", "edition", "amount", "currency", "stage", "closed_on")
ACTIVITY_FIELDS = ("kind", "summary", "occurred_at", "due_at")
LEAD_FIELDS = ("id", "status", "product_line", "language", "region", "estimated_value", "assigned_rep_id",
               "unassigned_reason")
STAFF = ["rep", "admin"]
# what a customer's 360 view is for and what it holds (activity summaries are conversation content): the
# customer_360 tool and the WeCom sidebar's customer view ask the policy for exactly this
VIEW_PURPOSE = "service"
VIEW_CATEGORIES = ("contact_details", "company_profile", "purchase_history", "conversation_content")
PROFILING = ["company_profile", "purchase_history", "social_behavioural"]
# (text, k) -> similar won cases: retrieval hits (objects with .text, .source, .chunk_id), which are added to
# the turn's numbered sources so the reply's [n] citations point at them; or dicts with those keys
SimilarCases = Callable[[str, int], Sequence[Any]]
Handoff = Callable[[str, str], Any]  # (conversation_id, reason)


def _pick(row: Mapping[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any] | None:
    return {k: row[k] for k in fields if k in row} if row else None


def rep_customer_view(view: Customer360, decision: Decision) -> dict[str, Any]:
    """What a rep is shown of a customer's 360 view, given the policy's decision for it: the fields a rep
    gets (no WeChat or other channel ids, no cases), every field of a category the decision masks withheld
    at every depth, and those categories listed. The customer_360 tool and the WeCom sidebar both show
    this, so the same decision shows the same thing. A refused decision shows nothing: it raises."""
    if not decision.allowed:
        raise PermissionError(decision.reason or "the policy refused this customer's record")
    shown = {"contact": _pick(view.contact, REP_CONTACT_FIELDS), "account": _pick(view.account, ACCOUNT_FIELDS),
             "deals": [_pick(d, DEAL_FIELDS) for d in view.deals],
             "activities": [_pick(a, ACTIVITY_FIELDS) for a in view.activities],
             "leads": [_pick(x, LEAD_FIELDS) for x in view.leads]}
    return {**withhold(shown, decision), "withheld": sorted(decision.masked)}


def _json(value: Any) -> str:  # noqa: ANN401 - JSON
    return json.dumps(value, ensure_ascii=False, default=str)


def _refused(reason: str, decision: Decision | None = None) -> str:
    body: dict[str, Any] = {"refused": True, "reason": reason}
    if decision is not None and decision.missing:
        body["missing_consent"] = [{"purpose": p, "data_category": c, "channel": ch} for p, c, ch in decision.missing]
    return _json(body)


def _actor(runtime: ToolRuntime[Any]) -> Actor:
    ctx = runtime.context
    return actor_for(ctx.persona, contact_id=ctx.contact_id, rep_id=ctx.rep_id, channel=ctx.channel)


def _said(runtime: ToolRuntime[Any]) -> list[str]:
    """What the person in this conversation has said so far (the human turns the agent has seen)."""
    state = runtime.state if isinstance(runtime.state, Mapping) else {}
    said = [str(m.content) for m in state.get("messages", []) if isinstance(m, HumanMessage)]
    inbound = getattr(runtime.context, "inbound_text", "")
    if inbound and inbound not in said:
        said.append(inbound)
    return said


def _numbered(ctx: Any, found: Sequence[Any]) -> list[dict[str, Any]]:  # noqa: ANN401 - TurnContext
    """Cases as dicts with the number to cite them by: retrieval hits join the turn's sources (so the
    runner's citations resolve [n]); plain dicts are numbered in order."""
    hits = [f for f in found if not isinstance(f, Mapping)]
    numbers = iter(ctx.add_sources(hits) if hits and hasattr(ctx, "add_sources") else [])
    out = []
    for i, f in enumerate(found, start=1):
        if isinstance(f, Mapping):
            out.append({**f, "n": f.get("n") or i})
        else:
            out.append({"text": f.text, "source": f.source, "chunk_id": f.chunk_id, "n": next(numbers, i)})
    return out


def crm_tools(store: CrmStore, *, leads: LeadService | None = None, policy: DataPolicy | None = None,
              qualify_model: Any = None, similar_cases: SimilarCases | None = None,  # noqa: ANN401 - chat model
              handoff: Handoff | None = None, clock: Callable[[], datetime] = utcnow) -> list[BaseTool]:
    """The CRM tools. Without `leads`, leads are still captured, qualified and scored but not routed
    (route_lead is left out); without `handoff`, handoff_to_human is left out; without `policy`, tools
    that find their target themselves refuse what they cannot check (the middleware still gates calls)."""
    service = leads or LeadService(store, notify=lambda _rep, _event: False)
    qualifier = Qualifier(qualify_model) if qualify_model is not None else service.qualifier

    def check(actor: Actor, *, contact_id: str | None, account_id: str | None, purpose: str,
              categories: list[str], strict: bool = False) -> Decision:
        """The policy's decision for data the tool found itself. Without a policy only a customer's own
        record or data about no one passes. `strict`: every category is needed, so masking is a refusal."""
        if policy is None:
            own = actor.role == "customer" and contact_id is not None and contact_id == actor.id
            ok = own or (contact_id is None and account_id is None)
            return Decision(ok, reason="" if ok else "no consent policy is configured to check this access")
        decision = policy.decide(actor, contact_id=contact_id, purpose=purpose, categories=categories,
                                 account_id=account_id)
        if strict and decision.allowed and decision.masked:
            return Decision(False, reason=decision.reason, missing=decision.missing)
        return decision

    def conversation_lead(runtime: ToolRuntime[Any], lead_id: str) -> dict[str, Any] | None:
        """A customer only ever gets their own conversation's lead; a rep names one or gets theirs. Finding
        a lead is not access to it: every tool then asks `lead_decision` before it reads or changes it."""
        ctx = runtime.context
        if ctx.persona == "customer" or not lead_id:
            return store.lead_for_conversation(ctx.conversation_id)
        return store.lead(lead_id)

    def lead_decision(runtime: ToolRuntime[Any], lead: Mapping[str, Any] | None, *, purpose: str,
                      categories: list[str], strict: bool = False, about: str | None = None) -> Decision:
        """The one lead-scope check: may the turn's actor read or change `lead` (update, qualify, score or
        route it, or file a follow-up under it)? Every tool that takes a lead asks this once it has found it;
        with no lead, one is about to be made, for the contact `about` (checked) or for no one.

        A customer only ever reaches their own conversation's lead (`conversation_lead`), checked against their
        own contact. Staff: the lead's contact together with its account (the policy refuses a contact that is
        not the account's), else its account alone, so the policy's rep scope (an owned account or one in the
        rep's territories) and the contact's consent decide. A lead with neither, an anonymous visitor's, is
        in no account, so the policy lets anything through for it; `rep_holds_lead` places it."""
        ctx, actor = runtime.context, _actor(runtime)
        if ctx.persona == "customer":
            about = (lead or {}).get("contact_id") or ctx.contact_id
        if lead is None or ctx.persona == "customer":
            return check(actor, contact_id=about, account_id=None, purpose=purpose, categories=categories,
                         strict=strict) if about else Decision(True)
        contact, account = lead.get("contact_id") or None, lead.get("account_id") or None
        decision = check(actor, contact_id=contact, account_id=account, purpose=purpose, categories=categories,
                         strict=strict)
        if not decision.allowed or contact or account or actor.role != "rep":
            return decision
        return rep_holds_lead(actor, lead)

    def rep_holds_lead(actor: Actor, lead: Mapping[str, Any]) -> Decision:
        """A rep and a lead with no contact and no account. The policy's rep scope is the accounts a rep owns
        and the accounts in their territories; for such a lead the same two are its rep (the one it is
        assigned to, or the one who typed it in) and its region. So the rep it is assigned to or created
        by may work it, and so may every rep whose territories cover its region: those are the reps routing
        offers it to, so an unassigned lead in the queue (or one its rep declined) can be picked up and
        re-routed by its region's reps, and a rep of another region can neither read nor change it. A lead
        with no region and no rep of its own is left to admins."""
        rep = store.rep(actor.id) if actor.id else None
        if rep is None or not rep.get("active"):
            return Decision(False, reason="unknown or inactive rep")
        if actor.id in (lead.get("assigned_rep_id"), lead.get("created_by")):
            return Decision(True)
        if lead.get("region") and lead["region"] in (rep.get("territories") or ()):
            return Decision(True)
        return Decision(False, reason=f"the lead is outside rep {actor.id}'s leads and territories")

    # -- customer_360 -----------------------------------------------------------------------------

    @tool("customer_360")
    def customer_360(runtime: ToolRuntime[Any], contact_id: str = "", account_name: str = "") -> str:
        """The customer in this conversation (customers), or a contact by id or an account by name (reps):
        profile, products, deals, recent activities and leads."""
        ctx, actor = runtime.context, _actor(runtime)
        categories = list(VIEW_CATEGORIES)
        if ctx.persona == "customer":
            # A customer can only ever see their own record, whatever the model asks for.
            view = store.customer_360(ctx.contact_id) if ctx.contact_id else None
            if view is None:
                return _json({"found": False, "reason": "this visitor is not a known customer"})
            decision = check(actor, contact_id=ctx.contact_id, account_id=None, purpose=VIEW_PURPOSE,
                             categories=categories)
            if not decision.allowed:
                return _refused(decision.reason, decision)
            return _json({"found": True, **withhold({
                "contact": _pick(view.contact, CUSTOMER_FIELDS), "account": _pick(view.account, ACCOUNT_FIELDS),
                "products": sorted({d["edition"] for d in view.deals if d["stage"] == "won"})}, decision)})
        if contact_id.strip():
            view = store.customer_360(contact_id.strip())
            if view is None:
                return _json({"found": False, "reason": "no such contact"})
            decision = check(actor, contact_id=contact_id.strip(), account_id=None, purpose=VIEW_PURPOSE,
                             categories=categories)
            if not decision.allowed:
                return _refused(decision.reason, decision)
            return _json({"found": True, **rep_customer_view(view, decision)})
        matches = store.search_accounts(account_name, limit=1) if account_name.strip() else []
        if not matches:
            return _json({"found": False, "reason": "name a contact id or an account name"})
        view = store.account_360(matches[0]["id"]) or {}
        decision = check(actor, contact_id=None, account_id=matches[0]["id"], purpose=VIEW_PURPOSE,
                         categories=categories)
        if not decision.allowed or policy is None:
            return _refused(decision.reason or "no consent policy is configured to check this access", decision)
        return _json({"found": True, **withhold({
            "account": {"id": matches[0]["id"], **(_pick(view.get("account"), ACCOUNT_FIELDS) or {})},
            "contacts": [_pick(c, ("id", "name", "title", "language")) for c in view.get("contacts", [])],
            "deals": [_pick(d, DEAL_FIELDS) for d in view.get("deals", [])],
            "activities": [_pick(a, ACTIVITY_FIELDS) for a in view.get("activities", [])],
            "leads": [_pick(x, LEAD_FIELDS) for x in view.get("leads", [])]}, decision),
            "withheld": sorted(decision.masked)})

    customer_360.metadata = {"purpose": VIEW_PURPOSE, "roles": ["customer", "rep", "admin"],
                             "data_categories": list(VIEW_CATEGORIES),
                             "customer_cue": OWN_DATA_CUE}

    # -- search_accounts --------------------------------------------------------------------------

    @tool("search_accounts")
    def search_accounts(runtime: ToolRuntime[Any], query: str = "") -> str:
        """Find accounts by name or industry (rep copilot). Only accounts in the rep's scope are listed."""
        actor = _actor(runtime)
        found = store.search_accounts(query, limit=20) if query.strip() else []
        visible = [a for a in found if check(actor, contact_id=None, account_id=a["id"], purpose="sales_followup",
                                             categories=["company_profile"]).allowed]
        return _json({"accounts": [{"id": a["id"], **(_pick(a, ACCOUNT_FIELDS) or {})} for a in visible[:10]],
                      "outside_your_scope": len(found) - len(visible)})

    search_accounts.metadata = {"purpose": "sales_followup", "data_categories": ["company_profile"], "roles": STAFF}

    # -- log_activity -----------------------------------------------------------------------------

    @tool("log_activity")
    def log_activity(runtime: ToolRuntime[Any], summary: str, kind: str = "note", contact_id: str = "",
                     account_id: str = "") -> str:
        """Record a call, meeting, email or note against a contact or an account (rep copilot)."""
        actor = _actor(runtime)
        if not summary.strip():
            return _json({"logged": False, "reason": "the activity needs a summary"})
        if kind not in ("note", "call", "meeting", "email", "demo"):
            return _json({"logged": False, "reason": "kind must be note, call, meeting, email or demo"})
        if not (contact_id or account_id):
            return _json({"logged": False, "reason": "name the contact_id or account_id it is about"})
        decision = check(actor, contact_id=contact_id or None, account_id=account_id or None,
                         purpose="sales_followup", categories=["contact_details"])
        if not decision.allowed:
            return _refused(decision.reason, decision)
        row = store.add_activity(kind=kind, summary=summary.strip()[:4000], contact_id=contact_id or None,
                                 account_id=account_id or None, rep_id=actor.id)
        return _json({"logged": True, "activity_id": row["id"], "kind": kind})

    log_activity.metadata = {"purpose": "sales_followup", "data_categories": ["contact_details"], "roles": STAFF}

    # -- create_or_update_lead --------------------------------------------------------------------

    @tool("create_or_update_lead")
    def create_or_update_lead(runtime: ToolRuntime[Any], summary: str = "", product_line: str = "",
                              estimated_value: float = 0.0, lead_id: str = "", contact_id: str = "") -> str:
        """Capture the sales interest in this conversation as a lead, or update it. For a customer, use it
        when they want a quote, a demo, or to talk to sales; a colleague then follows up."""
        ctx, actor = runtime.context, _actor(runtime)
        customer = ctx.persona == "customer"
        purpose = "service" if customer else "sales_followup"
        target = ctx.contact_id if customer else (contact_id.strip() or None)
        lead = conversation_lead(runtime, lead_id.strip())
        if not customer and lead_id.strip() and lead is None:
            return _json({"saved": False, "reason": f"no lead {lead_id.strip()!r}"})
        decision = lead_decision(runtime, lead, purpose=purpose, categories=["contact_details"], about=target)
        if not decision.allowed:
            return _refused(decision.reason, decision)
        text = summary.strip() or "\n".join(_said(runtime))[-2000:]
        fields = {k: v for k, v in (("product_line", product_line.strip()),
                                    ("estimated_value", float(estimated_value) if estimated_value else None))
                  if v}
        if lead is None:
            if not text:
                return _json({"saved": False, "reason": "say what the customer is interested in"})
            lead = service.create_lead(text, rep_id=None if customer else actor.id, contact_id=target,
                                       source=ctx.channel if customer else "rep", language=ctx.language,
                                       conversation_id=ctx.conversation_id, product_line=fields.get("product_line"),
                                       estimated_value=fields.get("estimated_value"))
            created = True
        else:
            if summary.strip():
                fields["summary"] = summary.strip()[:4000]
            lead = store.update_lead(lead["id"], **fields) or lead
            created = False
        routed = None
        if customer and leads is not None and lead["status"] in ("new", "unassigned"):
            # a customer asking for sales is handed to a rep now, by code; the customer is not told who
            routed = bool(leads.route_lead(lead["id"]).get("rep_id"))
            lead = store.lead(lead["id"]) or lead
        if customer:
            return _json({"saved": True, "created": created, "lead_id": lead["id"], "routed_to_a_rep": routed,
                          "what_to_say": "A colleague from our sales team will follow up with you."})
        return _json({"saved": True, "created": created, "lead": _pick(lead, LEAD_FIELDS)})

    create_or_update_lead.metadata = {"purpose": "sales_followup", "data_categories": [],
                                      "roles": ["customer", "rep", "admin"], "customer_cue": SALES_CUE}

    # -- qualify_lead -----------------------------------------------------------------------------

    @tool("qualify_lead")
    def qualify_lead(runtime: ToolRuntime[Any], lead_id: str = "") -> str:
        """BANT (budget, authority, need, timeline) from this conversation, merged into the lead; returns
        what is still missing and the one question to ask next."""
        ctx, actor = runtime.context, _actor(runtime)
        customer = ctx.persona == "customer"
        purpose = "service" if customer else "sales_followup"
        lead = conversation_lead(runtime, lead_id.strip())
        if lead is None and not customer and lead_id.strip():
            return _json({"qualified": False, "reason": f"no lead {lead_id.strip()!r}"})
        target = ctx.contact_id if customer else None  # whom a new lead is about
        decision = lead_decision(runtime, lead, purpose=purpose, categories=["contact_details"], about=target)
        if not decision.allowed:
            return _refused(decision.reason, decision)
        said = _said(runtime)
        if lead is None:
            if not said:
                return _json({"qualified": False, "reason": "nothing has been said yet"})
            lead = service.create_lead("\n".join(said)[-2000:], rep_id=None if customer else actor.id,
                                       contact_id=target, source=ctx.channel if customer else "rep",
                                       language=ctx.language, conversation_id=ctx.conversation_id)
        result = service.qualify(lead["id"], said, ctx.language, qualifier=qualifier)
        return _json(result)

    qualify_lead.metadata = {"purpose": "sales_followup", "data_categories": [],
                             "roles": ["customer", "rep", "admin"], "customer_cue": SALES_CUE}

    # -- score_lead -------------------------------------------------------------------------------

    @tool("score_lead")
    def score_lead(runtime: ToolRuntime[Any], lead_id: str = "") -> str:
        """Score a lead 0–100 with the features, weights and top reasons (rep copilot). Needs the contact's
        profiling consent."""
        ctx = runtime.context
        lead = conversation_lead(runtime, lead_id.strip())
        if lead is None:
            return _json({"scored": False, "reason": "no such lead"})
        # scoring profiles a person: every profiling category must be granted, nothing masked
        decision = lead_decision(runtime, lead, purpose="profiling", categories=PROFILING, strict=True)
        if not decision.allowed:
            return _refused(decision.reason, decision)
        return _json(service.score(lead["id"], ctx.language, consented=True))

    score_lead.metadata = {"purpose": "profiling", "data_categories": PROFILING, "roles": ["rep", "admin", "agent"]}
    out: list[BaseTool] = [customer_360, search_accounts, log_activity, create_or_update_lead, qualify_lead,
                           score_lead]

    # -- route_lead -------------------------------------------------------------------------------

    if leads is not None:
        @tool("route_lead")
        def route_lead(runtime: ToolRuntime[Any], lead_id: str = "") -> str:
            """Route a lead to one rep by territory, language, product line, deal size, capacity and working
            hours (round-robin among equals), notifying them; or queue it with the reason (rep copilot)."""
            lead = conversation_lead(runtime, lead_id.strip())
            if lead is None:
                return _json({"routed": False, "reason": "no such lead"})
            decision = lead_decision(runtime, lead, purpose="sales_followup", categories=[])
            if not decision.allowed:
                return _refused(decision.reason, decision)
            result = leads.route_lead(lead["id"])
            return _json({"routed": bool(result.get("rep_id")), **result})

        route_lead.metadata = {"purpose": "sales_followup", "data_categories": [], "roles": ["rep", "admin", "agent"]}
        out.append(route_lead)

    # -- draft_script -----------------------------------------------------------------------------

    @tool("draft_script")
    def draft_script(runtime: ToolRuntime[Any], situation: str, stage: str = "", contact_id: str = "",
                     account_name: str = "") -> str:
        """A talk track for a sales stage (introduction, qualification, needs, solution, objection, close) or
        an objection, from the customer's context and similar won cases, with citations. A draft for the
        rep only; never send it to a customer as is."""
        ctx, actor = runtime.context, _actor(runtime)
        if stage and stage not in STAGES:
            return _json({"draft": False, "reason": f"stage must be one of {', '.join(STAGES)}"})
        view: dict[str, Any] | None = None
        if contact_id.strip():
            found = store.customer_360(contact_id.strip())
            decision = check(actor, contact_id=contact_id.strip(), account_id=None, purpose="sales_followup",
                             categories=["company_profile", "purchase_history"])
            if found is None or not decision.allowed:
                return _refused(decision.reason or "no such contact", decision)
            view = {"account": found.account, "deals": found.deals}
        elif account_name.strip():
            match = (store.search_accounts(account_name, limit=1) or [None])[0]
            decision = check(actor, contact_id=None, account_id=match["id"] if match else None,
                             purpose="sales_followup", categories=["company_profile", "purchase_history"])
            if match is None or not decision.allowed or policy is None:
                return _refused(decision.reason or "no such account, or no policy to check access", decision)
            full = store.account_360(match["id"]) or {}
            view = {"account": full.get("account"), "deals": full.get("deals", [])}
        query = " ".join(x for x in (situation, ((view or {}).get("account") or {}).get("industry") or "") if x)
        found = list(similar_cases(query, 3)) if similar_cases is not None else []
        return _json(build_script(situation, stage=stage, view=view, cases=_numbered(ctx, found),
                                  language=ctx.language))

    draft_script.metadata = {"purpose": "sales_followup", "data_categories": ["company_profile", "purchase_history"],
                             "roles": STAFF}

    # -- schedule_followup ------------------------------------------------------------------------

    @tool("schedule_followup")
    def schedule_followup(runtime: ToolRuntime[Any], when: str, note: str, contact_id: str = "", account_id: str = "",
                          lead_id: str = "") -> str:
        """Schedule a follow-up reminder for the rep: `when` is an ISO date/time or 'tomorrow', 'in 3 days',
        'next week', '明天', '3天后', '下周'. Internal only: nobody is contacted by this."""
        actor = _actor(runtime)
        lead = store.lead(lead_id.strip()) if lead_id.strip() else None
        if lead_id.strip() and lead is None:
            return _json({"scheduled": False, "reason": f"no lead {lead_id.strip()!r}"})
        if lead is not None:
            decision = lead_decision(runtime, lead, purpose="sales_followup", categories=["contact_details"])
            if not decision.allowed:
                return _refused(decision.reason, decision)
        contact = contact_id.strip() or (lead or {}).get("contact_id")
        account = account_id.strip() or (lead or {}).get("account_id")
        if not (contact or account or lead):
            return _json({"scheduled": False, "reason": "name the contact_id, account_id or lead_id"})
        if (contact_id.strip() or account_id.strip() or lead is None) and (contact or account):
            # the follow-up is filed under this contact and this account, so both are checked, together: the
            # policy refuses a contact that is not the account's (a lead's account with another contact)
            decision = check(actor, contact_id=contact or None, account_id=account or None,
                             purpose="sales_followup", categories=["contact_details"])
            if not decision.allowed:
                return _refused(decision.reason, decision)
        rep = store.rep(actor.id or "") or {}
        try:
            due = due_from(when, clock(), rep.get("timezone") or "UTC")
        except ValueError as exc:
            return _json({"scheduled": False, "reason": str(exc)})
        summary = note.strip()[:2000] + (f" (lead {lead['id']})" if lead else "")
        row = store.add_activity(kind="followup", summary=summary, contact_id=contact or None,
                                 account_id=account or None, rep_id=actor.id, due_at=due)
        return _json({"scheduled": True, "followup_id": row["id"], "due_at_utc": due.isoformat()})

    schedule_followup.metadata = {"purpose": "sales_followup", "data_categories": ["contact_details"], "roles": STAFF}
    out += [draft_script, schedule_followup]

    # -- handoff_to_human -------------------------------------------------------------------------

    if handoff is not None:
        @tool("handoff_to_human")
        def handoff_to_human(runtime: ToolRuntime[Any], reason: str) -> str:
            """Hand this conversation to a person: when the customer asks for one, or you cannot help."""
            handoff(runtime.context.conversation_id, reason.strip()[:500] or "asked for a person")
            return _json({"handed_off": True, "what_to_say": "Tell them a colleague will reply here soon."})

        handoff_to_human.metadata = {"purpose": "service", "data_categories": [],
                                     "roles": ["customer", "rep", "admin"], "customer_cue": PERSON_CUE}
        out.append(handoff_to_human)
    return out
