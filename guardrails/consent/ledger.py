"""The consent ledger: grants of purpose × data category × channel per contact, with provenance,
expiry and revocation. Rows are never deleted; every change is audited and fires hooks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from guardrails.audit import AuditLog
from guardrails.consent.hooks import HookResult, Hooks
from guardrails.consent.models import ConsentGrant, ConsentNotice
from tools.policy import CHANNELS, DATA_CATEGORIES, PURPOSES
from tools.sqlbase import utcnow


class ConsentError(ValueError):
    """A grant or revocation that makes no sense (unknown purpose, category, channel, contact)."""


@dataclass(frozen=True)
class Grant:
    id: int
    contact_id: str
    purpose: str
    data_categories: tuple[str, ...]
    channels: tuple[str, ...]
    granted_at: datetime
    expires_at: datetime | None
    source: str
    given_in: str
    notice_version: str
    notice_hash: str
    recorded_by: str
    recorded_at: datetime
    replaces_id: int | None
    revoked_at: datetime | None
    revoked_by: str
    revoke_reason: str

    @classmethod
    def of(cls, row: ConsentGrant) -> Grant:
        values = {f.name: getattr(row, f.name) for f in fields(cls)}
        values["data_categories"] = tuple(row.data_categories or ())
        values["channels"] = tuple(row.channels or ())
        return cls(**values)

    def status(self, at: datetime | None = None) -> str:
        at = at or utcnow()
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= at:
            return "expired"
        if self.granted_at > at:
            return "pending"
        return "active"

    def as_dict(self, at: datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["data_categories"], out["channels"] = list(self.data_categories), list(self.channels)
        for key in ("granted_at", "expires_at", "recorded_at", "revoked_at"):
            out[key] = out[key].isoformat() if out[key] else None
        out["status"] = self.status(at)
        return out


def _check(values: Iterable[str], known: Sequence[str], what: str) -> list[str]:
    values = list(dict.fromkeys(values))
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ConsentError(f"unknown {what} {', '.join(map(repr, unknown))}; expected some of {', '.join(known)}")
    return values


class ConsentLedger:
    def __init__(self, engine: Engine, *, audit: AuditLog | None = None, hooks: Hooks | None = None):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.audit = audit
        self.hooks = hooks or Hooks()

    # -- reading --------------------------------------------------------------------------------

    def history(self, contact_id: str) -> list[Grant]:
        """Every grant ever recorded for the contact, oldest first, including revoked and expired ones."""
        with self._sessions() as s:
            rows = s.scalars(select(ConsentGrant).where(ConsentGrant.contact_id == contact_id)
                             .order_by(ConsentGrant.granted_at, ConsentGrant.id)).all()
            return [Grant.of(r) for r in rows]

    def active(self, contact_id: str, purpose: str | None = None, at: datetime | None = None) -> list[Grant]:
        at = at or utcnow()
        with self._sessions() as s:
            q = select(ConsentGrant).where(ConsentGrant.contact_id == contact_id, ConsentGrant.granted_at <= at)
            if purpose is not None:
                q = q.where(ConsentGrant.purpose == purpose)
            rows = s.scalars(q.where((ConsentGrant.revoked_at.is_(None)) | (ConsentGrant.revoked_at > at))
                             .where((ConsentGrant.expires_at.is_(None)) | (ConsentGrant.expires_at > at))).all()
            return [Grant.of(r) for r in rows]

    def coverage(self, contact_id: str, purpose: str, at: datetime | None = None) -> list[tuple[set[str], set[str]]]:
        """(data categories, channels) of each active grant for one purpose: the policy's hot path, so one
        light query and no ORM objects."""
        at = at or utcnow()
        g = ConsentGrant.__table__.c
        q = select(g.data_categories, g.channels).where(
            g.contact_id == contact_id, g.purpose == purpose, g.granted_at <= at,
            (g.revoked_at.is_(None)) | (g.revoked_at > at), (g.expires_at.is_(None)) | (g.expires_at > at))
        with self._engine.connect() as conn:
            return [(set(cats or ()), set(chans or ())) for cats, chans in conn.execute(q)]

    def notice(self, notice_hash: str) -> ConsentNotice | None:
        with self._sessions() as s:
            return s.get(ConsentNotice, notice_hash)

    # -- changing -------------------------------------------------------------------------------

    def keep_notice(self, *, text: str, notice_hash: str, template: str, template_version: str,
                    language: str) -> None:
        """Store the exact notice text under its hash (once; the same text always has the same hash)."""
        with self._sessions() as s:
            if s.get(ConsentNotice, notice_hash) is None:
                s.add(ConsentNotice(hash=notice_hash, template=template, template_version=template_version,
                                    language=language, text=text))
                s.commit()

    def grant(self, contact_id: str, purpose: str, data_categories: Sequence[str], channels: Sequence[str], *,
              source: str, recorded_by: str, given_in: str = "", notice_version: str = "", notice_hash: str = "",
              expires_at: datetime | None = None, granted_at: datetime | None = None) -> Grant:
        if not contact_id:
            raise ConsentError("a grant needs a contact")
        if purpose not in PURPOSES:
            raise ConsentError(f"unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")
        cats = _check(data_categories, DATA_CATEGORIES, "data category")
        chans = _check(channels, CHANNELS, "channel")
        if not cats or not chans:
            raise ConsentError("a grant needs at least one data category and one channel")
        if not source or not recorded_by:
            raise ConsentError("a grant needs its provenance: source and recorded_by")
        if notice_hash and self.notice(notice_hash) is None:
            raise ConsentError(f"no notice with hash {notice_hash!r} was ever shown")
        granted_at = granted_at or utcnow()
        if expires_at is not None and expires_at <= granted_at:
            raise ConsentError("expires_at must be after granted_at")
        with self._sessions() as s:
            row = ConsentGrant(contact_id=contact_id, purpose=purpose, data_categories=cats, channels=chans,
                               granted_at=granted_at, expires_at=expires_at, source=source, given_in=given_in,
                               notice_version=notice_version, notice_hash=notice_hash, recorded_by=recorded_by)
            s.add(row)
            s.commit()
            grant = Grant.of(row)
        self._audit(recorded_by, "consent.grant", contact_id, purpose,
                    {"grant_id": grant.id, "categories": cats, "channels": chans, "source": source, "given_in": given_in,
                     "notice_hash": notice_hash, "notice_version": notice_version,
                     "expires_at": expires_at.isoformat() if expires_at else None},
                    self.hooks.fire("consent.granted", contact_id=contact_id, purpose=purpose))
        return grant

    def revoke(self, contact_id: str, purpose: str | None = None, channels: Sequence[str] | None = None, *,
               by: str, reason: str = "", source: str = "") -> list[Grant]:
        """Revoke the contact's active grants for `purpose` (all purposes when None), on `channels` only
        (all when None). A grant that keeps some channels is revoked and re-granted narrower, pointing at
        the original, so its provenance stays intact. Returns the grants revoked."""
        if purpose is not None and purpose not in PURPOSES:
            raise ConsentError(f"unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")
        only = set(_check(channels, CHANNELS, "channel")) if channels else None
        now = utcnow()
        revoked: list[Grant] = []
        narrowed: list[Grant] = []
        with self._sessions() as s:
            for row in self._active_rows(s, contact_id, purpose, now):
                if only is not None and not only & set(row.channels or ()):
                    continue
                row.revoked_at, row.revoked_by, row.revoke_reason = now, by, reason[:200]
                revoked.append(row)
                keep = [c for c in (row.channels or ()) if only is not None and c not in only]
                if keep:
                    narrowed.append(ConsentGrant(
                        contact_id=contact_id, purpose=row.purpose, data_categories=list(row.data_categories),
                        channels=keep, granted_at=row.granted_at, expires_at=row.expires_at, source=row.source,
                        given_in=row.given_in, notice_version=row.notice_version, notice_hash=row.notice_hash,
                        recorded_by=by, replaces_id=row.id))
            s.add_all(narrowed)
            s.commit()
            revoked_views = [Grant.of(r) for r in revoked]
            narrowed_views = [Grant.of(r) for r in narrowed]
            still = {r.purpose for r in self._active_rows(s, contact_id, None, now)}
        for purpose_done in sorted({g.purpose for g in revoked_views}):
            results = [] if purpose_done in still else self.hooks.fire("consent.revoked", contact_id=contact_id,
                                                                       purpose=purpose_done)
            self._audit(by, "consent.revoke", contact_id, purpose_done,
                        {"grant_ids": [g.id for g in revoked_views if g.purpose == purpose_done],
                         "channels": sorted(only) if only else "all", "reason": reason[:200], "source": source,
                         "narrowed_to": [g.id for g in narrowed_views if g.purpose == purpose_done]}, results)
        return revoked_views

    # -- internals ------------------------------------------------------------------------------

    @staticmethod
    def _active_rows(s: Session, contact_id: str, purpose: str | None, at: datetime) -> list[ConsentGrant]:
        q = select(ConsentGrant).where(ConsentGrant.contact_id == contact_id, ConsentGrant.revoked_at.is_(None),
                                       (ConsentGrant.expires_at.is_(None)) | (ConsentGrant.expires_at > at))
        if purpose is not None:
            q = q.where(ConsentGrant.purpose == purpose)
        return list(s.scalars(q.order_by(ConsentGrant.id)))

    def _audit(self, actor: str, action: str, contact_id: str, purpose: str, detail: dict[str, Any],
               hooks: list[HookResult]) -> None:
        if self.audit is None:
            return
        if hooks:
            detail["hooks"] = [{"hook": h.hook, "ok": h.ok, **({"error": h.error} if h.error else {})} for h in hooks]
        self.audit.append(actor=actor, action=action, subject=f"contact:{contact_id}", purpose=purpose, detail=detail)
