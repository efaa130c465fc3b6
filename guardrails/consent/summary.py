"""A contact's consent at a glance, for people: what is granted, and what is missing on a channel.

Shown next to a draft in the review console and in the WeCom sidebar; decisions are still made by the
policy, never by this summary.
"""

from __future__ import annotations

from typing import Any

from guardrails.consent.ledger import ConsentLedger

# The purposes a rep or reviewer usually needs to know about in a sales conversation.
SHOWN_PURPOSES = ("service", "sales_followup", "marketing", "profiling", "case_learning")


def consent_summary(ledger: ConsentLedger, contact_id: str | None, channel: str) -> dict[str, Any]:
    if not contact_id:
        return {"known": False, "status": "anonymous", "detail": "visitor not linked to a CRM contact",
                "grants": [], "missing": []}
    active = ledger.active(contact_id)
    grants = [[g.purpose, ", ".join(g.data_categories), ", ".join(g.channels)] for g in active]
    missing = []
    for purpose in SHOWN_PURPOSES:
        relevant = [g for g in active if g.purpose == purpose]
        if not relevant:
            missing.append([purpose, "no grant"])
        elif purpose in ("service", "sales_followup", "marketing") and not any(channel in g.channels for g in relevant):
            missing.append([purpose, f"not on {channel}"])
    revoked = sorted({g.purpose for g in ledger.history(contact_id) if g.status() == "revoked"})
    service_ok = not any(m[0] == "service" for m in missing)
    detail = f"{len(active)} active grant(s)" + (f"; revoked: {', '.join(revoked)}" if revoked else "")
    if missing:
        detail += "; missing: " + ", ".join(f"{p} ({why})" for p, why in missing)
    return {"known": True, "status": "ok" if service_ok else "no service consent", "detail": detail,
            "grants": grants, "missing": missing, "revoked": revoked}
