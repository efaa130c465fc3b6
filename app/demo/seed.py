"""Load the demo tenant: CRM records from tenant.json, then its documents into the knowledge base."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guardrails.consent.models import ConsentGrant
from retrieval.knowledge import IngestReport, KnowledgeBase
from tools.crm.models import Account, Activity, Case, Contact, Deal, Rep

DEMO_DIR = Path(__file__).parent
TENANT = DEMO_DIR / "tenant.json"
DOCS = {"public": DEMO_DIR / "docs", "internal": DEMO_DIR / "docs_internal"}

_DATE_FIELDS = {"started_on", "closed_on"}
_DATETIME_FIELDS = {"created_at", "occurred_at", "due_at"}


def load_tenant(path: Path = TENANT) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _coerce(model: type, row: dict[str, Any]) -> dict[str, Any]:
    columns = {c.key for c in model.__table__.columns}
    out = {}
    for key, value in row.items():
        if key not in columns:
            continue
        if key in _DATE_FIELDS and isinstance(value, str):
            value = date.fromisoformat(value)
        elif key in _DATETIME_FIELDS and isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        out[key] = value
    return out


def seed_crm(session: Session, tenant: dict[str, Any]) -> dict[str, int]:
    """Idempotent: re-seeding updates rows in place (merge by primary key)."""
    counts = {}
    for key, model in (("reps", Rep), ("accounts", Account), ("contacts", Contact), ("deals", Deal),
                       ("cases", Case)):
        rows = tenant.get(key, [])
        for row in rows:
            session.merge(model(**_coerce(model, row)))
        session.flush()
        counts[key] = len(rows)
    if not session.query(Activity).first():
        for row in tenant.get("activities", []):
            session.add(Activity(**_coerce(Activity, row)))
    counts["activities"] = len(tenant.get("activities", []))
    counts["consents"] = seed_consents(session, tenant)
    session.commit()
    return counts


SEED_GIVEN_IN = "import:tenant.json"


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None) if value else None


def seed_consents(session: Session, tenant: dict[str, Any]) -> int:
    """The contacts' consent records into the ledger, with their provenance. Idempotent: a grant already
    imported (same contact, purpose, time and source) is left as it is, so later revocations survive."""
    seen = set(session.execute(select(ConsentGrant.contact_id, ConsentGrant.purpose, ConsentGrant.granted_at,
                                      ConsentGrant.source).where(ConsentGrant.given_in == SEED_GIVEN_IN)).all())
    total = 0
    for contact in tenant.get("contacts", []):
        for c in contact.get("consents", []):
            total += 1
            granted = _when(c["granted_at"])
            if (contact["id"], c["purpose"], granted, c["source"]) in seen:
                continue
            revoked = _when(c.get("revoked_at"))
            session.add(ConsentGrant(
                contact_id=contact["id"], purpose=c["purpose"], data_categories=list(c["data_categories"]),
                channels=list(c["channels"]), granted_at=granted, expires_at=_when(c.get("expires_at")),
                source=c["source"], given_in=SEED_GIVEN_IN, notice_version=c.get("notice_version", ""),
                recorded_by="import", recorded_at=granted, revoked_at=revoked,
                revoked_by="import" if revoked else "", revoke_reason="recorded before import" if revoked else ""))
    session.flush()
    return total


def seed_knowledge(kb: KnowledgeBase, progress: Callable[[int, int], None] | None = None) -> dict[str, IngestReport]:
    return {aud: kb.ingest_dir(folder, audience=aud, progress=progress)
            for aud, folder in DOCS.items() if folder.is_dir()}
