"""Scanning long texts: block by block, offsets kept, blocks seen before not analysed again."""

from __future__ import annotations

from guardrails.pii import get_scanner
from guardrails.pii.pseudonymise import scan_any_length


def test_blocks_are_scanned_separately_with_their_offsets_and_remembered():
    scanner = get_scanner()
    template = "You are the assistant of a small shop.\nAnswer briefly.\n\n"
    first = template + "Write to the owner at ana.lopez@example.org about refunds."
    second = template + "\n\n  \nCall our office on +1 415 555 0199 for an invoice."
    spans = scan_any_length(scanner, first)
    assert [(first[s.start:s.end], s.type) for s in spans] == [("ana.lopez@example.org", "EMAIL_ADDRESS")]
    analysed: list[str] = []
    inner = scanner._scan
    scanner._scan = lambda text, lang: analysed.append(text) or inner(text, lang)  # noqa: SLF001
    try:
        spans = scan_any_length(scanner, second)
    finally:
        del scanner._scan
    assert [second[s.start:s.end] for s in spans] == ["+1 415 555 0199"]
    # the template block was remembered from the first text; only the new block was analysed
    assert analysed == ["Call our office on +1 415 555 0199 for an invoice."]
