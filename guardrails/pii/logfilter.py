"""Logs carry placeholders, never raw PII: a logging filter that redacts every record's message, its
arguments and any traceback text before a handler formats it.

`install_log_redaction()` wraps the log record factory, so every record from every logger (ours,
uvicorn's, libraries') is redacted once, whichever handlers are configured later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from guardrails.pii.engine import PiiScanner, get_scanner
from guardrails.pii.pseudonymise import redact

WITHHELD = "[log message withheld: PII redaction failed]"


class PiiRedactingFilter(logging.Filter):
    def __init__(self, scanner: Callable[[], PiiScanner] = get_scanner):
        super().__init__()
        self._scanner = scanner

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_redacted", False):
            return True
        try:
            record.msg = redact(record.getMessage(), self._scanner())
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text, self._scanner())
            record.exc_info = None
            if record.stack_info:
                record.stack_info = redact(record.stack_info, self._scanner())
        except Exception:  # never let a log call raise, never let the raw text through
            record.msg, record.args, record.exc_info, record.exc_text = WITHHELD, None, None, None
        record._pii_redacted = True  # type: ignore[attr-defined]
        return True


_installed: list[Callable[..., logging.LogRecord]] = []


def install_log_redaction(scanner: Callable[[], PiiScanner] = get_scanner) -> None:
    """Redact every log record at creation (idempotent)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    redactor = PiiRedactingFilter(scanner)

    def factory(*args, **kwargs) -> logging.LogRecord:  # noqa: ANN002, ANN003
        record = previous(*args, **kwargs)
        redactor.filter(record)
        return record

    _installed.append(previous)
    logging.setLogRecordFactory(factory)


def uninstall_log_redaction() -> None:
    if _installed:
        logging.setLogRecordFactory(_installed.pop())
