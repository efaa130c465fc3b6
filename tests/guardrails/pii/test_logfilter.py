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


def test_a_log_record_while_the_scanner_is_first_built_neither_deadlocks_nor_leaks():
    """In a fresh process: redaction is installed before anything built the scanner, so the first record
    builds it, and Presidio logs while loading (the record asks for the scanner on the same thread)."""
    import subprocess
    import sys

    code = ("import logging, io\n"
            "from guardrails.pii.logfilter import install_log_redaction\n"
            "out = io.StringIO(); logging.basicConfig(level=logging.INFO, stream=out)\n"
            "install_log_redaction()\n"
            "logging.getLogger('app').info('call %s now', '138 1234 5678')\n"
            "print(out.getvalue())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "call <PHONE_NUMBER> now" in done.stdout and "138 1234 5678" not in done.stdout


def test_where_our_own_services_listen_stays_readable_and_a_persons_address_does_not():
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "model serving at %s; visitor from %s", (
        "http://127.0.0.1:40967/v1", "203.0.113.77"), None)
    PiiRedactingFilter().filter(record)
    assert record.getMessage() == "model serving at http://127.0.0.1:40967/v1; visitor from <IP_ADDRESS>"
