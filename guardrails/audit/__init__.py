"""The tamper-evident audit trail: an append-only hash chain with a signed head."""

from guardrails.audit.chain import Anchor, AuditLog, Broken

__all__ = ["Anchor", "AuditLog", "Broken"]
