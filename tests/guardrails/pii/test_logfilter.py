"""Log records carry redactions, never raw PII: message, arguments, tracebacks; any logger."""

from __future__ import annotations

import io
import logging

from guardrails.pii.logfilter import PiiRedactingFilter, install_log_redaction, uninstall_log_redaction

RAW = ("13812345678", "wjg@yunfan.example.cn", "王建国")


def test_filter_redacts_message_args_and_traceback():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PiiRedactingFilter())
    log = logging.getLogger("test.pii.filter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("customer %s left phone %s", "王建国", "13812345678")
        try:
            raise ValueError("bad email wjg@yunfan.example.cn")
        except ValueError:
            log.exception("lookup failed")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert not any(raw in out for raw in RAW), out
    assert "<PHONE_NUMBER>" in out and "<EMAIL_ADDRESS>" in out and "<PERSON>" in out
    assert "lookup failed" in out and "ValueError" in out


def test_installed_factory_covers_every_logger():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log = logging.getLogger("some.library")
    log.addHandler(handler)
    log.propagate = False
    install_log_redaction()
    try:
        log.error("sent to %s", "wjg@yunfan.example.cn")
    finally:
        uninstall_log_redaction()
        log.removeHandler(handler)
    assert stream.getvalue().strip() == "sent to <EMAIL_ADDRESS>"
