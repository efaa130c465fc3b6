"""Data-subject requests: open (an erasure freezes the contact at once), export, erase with a receipt,
and the deadlines (`overdue`).

An erasure runs every registered eraser, then sweeps every table for mentions, then blanks the CRM
row to a tombstone, then *proves* itself: an independent pass over every table, the vector store and
the checkpoint file must find none of the contact's values. Only then is the request `proven`. A
request that fails part-way stays open, and can be run again: the CRM row, which says what to look
for, is blanked last.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from guardrails.audit import AuditLog
from guardrails.consent.hooks import Hooks
from guardrails.dsr.deadlines import due_times, overdue_steps
from guardrails.dsr.erasers import Erased, Eraser, contact_tombstone, crm_records_eraser
from guardrails.dsr.exporters import Exporter
from guardrails.dsr.models import DsrRequest
from guardrails.dsr.subject import CHANNEL_ID_FIELDS, Subject
from guardrails.dsr.tables import scan, sweep
from tools.crm.models import Contact
from tools.crm.store import as_dict
from tools.sqlbase import utcnow

KINDS = ("export", "erase")
# conversation ids of a contact: by contact id, and by the channel ids they wrote from before we knew them
ConversationsOf = Callable[[str, dict[str, str]], Sequence[str]]


class DsrError(ValueError):
    pass


@dataclass(frozen=True)
class DsrView:
    id: str
    kind: str
    contact_id: str
    status: str
    source: str
    requested_by: str
    conversation_id: str | None
    received_at: datetime
    due: dict[str, str | None]
    done: dict[str, str | None]
    overdue: list[str]
    receipt: dict[str, Any] = field(default_factory=dict)
    receipt_hash: str = ""
    note: str = ""

    @classmethod
    def of(cls, r: DsrRequest, now: datetime | None = None) -> DsrView:
        due = due_times(r.kind, r.received_at)
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return cls(r.id, r.kind, r.contact_id, r.status, r.source, r.requested_by, r.conversation_id, r.received_at,
                   {"freeze": iso(r.due_freeze_at), "erase": iso(r.due_erase_at), "proof": iso(r.due_proof_at)},
                   {"frozen": iso(r.frozen_at), "erased": iso(r.erased_at), "proven": iso(r.proven_at),
                    "completed": iso(r.completed_at)},
                   overdue_steps(kind=r.kind, due=due, frozen_at=r.frozen_at, erased_at=r.erased_at,
                                 proven_at=r.proven_at, completed_at=r.completed_at, now=now),
                   dict(r.receipt or {}), r.receipt_hash, r.note)

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["received_at"] = self.received_at.isoformat()
        return out


def _hash(doc: Any) -> str:  # noqa: ANN401
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


class DsrService:
    def __init__(self, engine: Engine, *, audit: AuditLog, hooks: Hooks | None = None,
                 erasers: Sequence[Eraser] = (), exporters: Sequence[Exporter] = (),
                 conversations_of: ConversationsOf | None = None,
                 residue_checks: Sequence[Callable[[Subject], list[str]]] = ()):
        """`erasers` run in order, before the table sweep and the CRM tombstone (always last)."""
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.audit = audit
        self.hooks = hooks or Hooks()
        self.erasers = list(erasers)
        self.exporters = list(exporters)
        self.conversations_of = conversations_of
        self.residue_checks = list(residue_checks)

    # -- requests ------------------------------------------------------------------------------

    def open(self, *, kind: str, contact_id: str, source: str, requested_by: str,
             conversation_id: str | None = None) -> DsrView:
        """Record a request. An erasure freezes the contact in the same step: from now on every data tool,
        the outbound check and retrieval refuse them."""
        if kind not in KINDS:
            raise DsrError(f"unknown request kind {kind!r}; expected export or erase")
        now = utcnow()
        due = due_times(kind, now)
        with self._sessions() as s:
            contact = s.get(Contact, contact_id)
            if contact is None:
                raise DsrError(f"no contact {contact_id!r}")
            if contact.erased_at is not None:
                raise DsrError(f"contact {contact_id!r} was already erased")
            open_already = s.scalar(select(DsrRequest).where(
                DsrRequest.contact_id == contact_id, DsrRequest.kind == kind,
                DsrRequest.status.in_(("received", "frozen", "failed", "erasing"))).limit(1))
            if open_already is not None:  # asking twice is one request, with the first one's due times
                return DsrView.of(open_already)
            row = DsrRequest(id="dsr-" + secrets.token_hex(6), kind=kind, contact_id=contact_id, source=source,
                             requested_by=requested_by, conversation_id=conversation_id, received_at=now,
                             due_freeze_at=due.freeze, due_erase_at=due.erase, due_proof_at=due.proof)
            if kind == "erase":
                contact.frozen_at = contact.frozen_at or now
                row.status, row.frozen_at = "frozen", now
            s.add(row)
            s.commit()
        self.audit.append(actor=requested_by, action=f"dsr.{kind}.open", subject=f"contact:{contact_id}",
                          detail={"request": row.id, "source": source, "conversation": conversation_id,
                                  "due": {"freeze": str(due.freeze), "erase": str(due.erase),
                                          "proof": str(due.proof)}})
        if kind == "erase":
            results = self.hooks.fire("contact.frozen", contact_id=contact_id)
            self.audit.append(actor="system:dsr", action="dsr.freeze", subject=f"contact:{contact_id}",
                              detail={"request": row.id, "hooks": [{"hook": r.hook, "ok": r.ok} for r in results]})
        return DsrView.of(row)

    def get(self, request_id: str) -> DsrView | None:
        with self._sessions() as s:
            row = s.get(DsrRequest, request_id)
            return DsrView.of(row) if row else None

    def list(self, *, overdue: bool = False, contact_id: str | None = None, now: datetime | None = None,
             limit: int = 500) -> list[DsrView]:
        with self._sessions() as s:
            q = select(DsrRequest).order_by(DsrRequest.received_at)
            if contact_id:
                q = q.where(DsrRequest.contact_id == contact_id)
            views = [DsrView.of(r, now) for r in s.scalars(q.limit(limit))]
        return [v for v in views if v.overdue] if overdue else views

    # -- subject -------------------------------------------------------------------------------

    def subject(self, contact_id: str) -> Subject:
        with self._sessions() as s:
            contact = s.get(Contact, contact_id)
            row = as_dict(contact) if contact else {}
        channel_ids = {CHANNEL_ID_FIELDS[f]: row[f] for f in CHANNEL_ID_FIELDS if row.get(f)}
        convs = list(self.conversations_of(contact_id, channel_ids)) if self.conversations_of else []
        return Subject.of(contact_id, row, convs)

    # -- export --------------------------------------------------------------------------------

    def export(self, request_id: str, *, actor: str) -> dict[str, Any]:
        """The one JSON document with everything held about the contact. It is returned, never stored;
        the request keeps its hash."""
        with self._sessions() as s:
            row = s.get(DsrRequest, request_id)
            if row is None or row.kind != "export":
                raise DsrError(f"no export request {request_id!r}")
            contact_id = row.contact_id
        subject = self.subject(contact_id)
        doc: dict[str, Any] = {"format": "salesagent.dsr.export/1", "request": request_id, "contact_id": contact_id,
                               "generated_at": utcnow().isoformat(), "conversations": list(subject.conversation_ids)}
        for exporter in self.exporters:
            doc[exporter.section] = exporter.export(subject)
        doc["data_subject_requests"] = [v.as_dict() for v in self.list(contact_id=contact_id)]
        digest = _hash(doc)
        now = utcnow()
        with self._sessions() as s:
            row = s.get(DsrRequest, request_id)
            row.status, row.completed_at, row.proven_at = "completed", now, now
            row.receipt = {"sections": sorted(k for k in doc if k not in ("format", "request", "contact_id")),
                           "document_sha256": digest, "generated_at": doc["generated_at"]}
            row.receipt_hash = digest
            s.commit()
        self.audit.append(actor=actor, action="dsr.export.done", subject=f"contact:{contact_id}",
                          detail={"request": request_id, "document_sha256": digest})
        return doc

    # -- erase ---------------------------------------------------------------------------------

    def erase(self, request_id: str, *, actor: str) -> DsrView:
        with self._sessions() as s:
            claimed = s.execute(update(DsrRequest).where(
                DsrRequest.id == request_id, DsrRequest.kind == "erase",
                DsrRequest.status.in_(("received", "frozen", "failed")),
            ).values(status="erasing")).rowcount
            s.commit()
            row = s.get(DsrRequest, request_id)
        if row is None or row.kind != "erase":
            raise DsrError(f"no erasure request {request_id!r}")
        if not claimed:
            raise DsrError(f"request {request_id} is {row.status}; nothing to do")
        subject = self.subject(row.contact_id)
        if not subject.values:
            self._fail(request_id, "the contact row holds no values to look for (already blanked?)")
            raise DsrError(f"request {request_id}: the contact holds no values any more; nothing to erase")
        results: list[Erased] = []
        try:
            for eraser in [*self.erasers, crm_records_eraser(self._engine)]:
                results.append(eraser.erase(subject))
            counts, digest = sweep(self._engine, subject, skip={"crm_contacts"})
            results.append(Erased("free_text", sum(counts.values()), digest, counts or None))
            residue = self.residue(subject, skip={"crm_contacts"})
            if not residue:  # only now give up the row that says what to look for
                results.append(contact_tombstone(self._engine).erase(subject))
                self._flush_sqlite()
                residue = self.residue(subject)
        except Exception as exc:
            self._fail(request_id, f"erasure stopped at step {len(results) + 1}: {type(exc).__name__}")
            raise
        now = utcnow()
        tombstoned = any(r.store == "crm_contact" for r in results)
        receipt = {"request": request_id, "contact_id": row.contact_id, "erased_at": now.isoformat(),
                   "conversations": len(subject.conversation_ids),
                   "removed": [{"store": r.store, "items": r.items, "sha256": r.digest,
                                **({"detail": r.detail} if r.detail else {})} for r in results],
                   "residue": len(residue), "residue_at": sorted(set(residue)),
                   "kept": ["tombstone crm_contacts row (id and times only)",
                            "consent history (ids, provenance, notice hashes)", "audit entries (ids only)",
                            "this request and its receipt"]}
        digest = _hash(receipt)
        with self._sessions() as s:
            row = s.get(DsrRequest, request_id)
            if tombstoned:
                row.erased_at = row.erased_at or now
            row.status = "proven" if not residue else ("erased" if tombstoned else "frozen")
            row.proven_at = now if not residue else None
            row.receipt, row.receipt_hash = receipt, digest
            row.note = "" if not residue else (f"{len(residue)} trace(s) remain; the contact stays frozen with its "
                                               "record intact: fix the store and run the erasure again")
            s.commit()
            view = DsrView.of(row)
        self.audit.append(actor=actor, action="dsr.erase.done", subject=f"contact:{row.contact_id}",
                          detail={"request": request_id, "receipt_sha256": digest, "residue": len(residue),
                                  "stores": {r.store: r.items for r in results}})
        return view

    def residue(self, subject: Subject, *, skip: set[str] | None = None) -> list[str]:
        """Where the subject's values still occur: every table (including the append-only audit chain),
        then each eraser's own check (vector store, files)."""
        found = [f"table:{t.table}.{t.column}" for t in scan(self._engine, subject, skip=skip or ())]
        for eraser in self.erasers:
            if eraser.residue is not None:
                found += eraser.residue(subject)
        for check in self.residue_checks:
            found += check(subject)
        if not skip:
            found += self.residue_in_file(subject)
        return found

    def _flush_sqlite(self) -> None:
        """On SQLite, fold the write-ahead log into the file and empty it: old page images in the WAL still
        hold what was deleted. (Deleted content in the file itself is zeroed by `secure_delete`.)"""
        if self._engine.dialect.name == "sqlite":
            with self._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def residue_in_file(self, subject: Subject) -> list[str]:
        """On SQLite, the subject's values anywhere in the database file's bytes (free pages included)."""
        if self._engine.dialect.name != "sqlite" or not self._engine.url.database:
            return []
        from pathlib import Path

        from guardrails.dsr.stores import file_traces

        return [f"file:{Path(self._engine.url.database).name}" for _ in
                file_traces(Path(self._engine.url.database), subject)]

    def _fail(self, request_id: str, note: str) -> None:
        with self._sessions() as s:
            row = s.get(DsrRequest, request_id)
            row.status, row.note = "failed", note
            s.commit()
        self.audit.append(actor="system:dsr", action="dsr.erase.failed", subject=f"contact:{row.contact_id}",
                          detail={"request": request_id, "note": note})
