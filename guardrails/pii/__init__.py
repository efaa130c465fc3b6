"""PII guardrails: find PII in English and Chinese text, pseudonymise it per conversation, restore it
only for recipients allowed to see it, and keep it out of logs."""

from guardrails.pii.engine import ENTITIES, PiiScanner, PiiSpan, get_scanner, scan
from guardrails.pii.guard import PiiGuard
from guardrails.pii.ownership import CrmOwnership, Recipient
from guardrails.pii.text import MAX_SCAN_CHARS, TextTooLong
from guardrails.pii.vault import PiiBase, Vault

__all__ = ["ENTITIES", "MAX_SCAN_CHARS", "CrmOwnership", "PiiBase", "PiiGuard", "PiiScanner", "PiiSpan", "Recipient",
           "TextTooLong", "Vault", "get_scanner", "scan"]
