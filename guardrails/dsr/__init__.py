"""Data-subject requests: export everything held about a contact, erase it with a receipt, on time."""

from guardrails.dsr.erasers import Erased, Eraser
from guardrails.dsr.exporters import Exporter
from guardrails.dsr.service import DsrError, DsrService, DsrView
from guardrails.dsr.stores import checkpoint_eraser, chroma_eraser, hook_eraser
from guardrails.dsr.subject import Subject

__all__ = ["DsrError", "DsrService", "DsrView", "Erased", "Eraser", "Exporter", "Subject", "checkpoint_eraser",
           "chroma_eraser", "hook_eraser"]
