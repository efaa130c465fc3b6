"""Scanning long texts: block by block, offsets kept, blocks seen before not analysed again."""

from __future__ import annotations

from guardrails.pii import PiiScanner, PiiSpan, get_scanner
from guardrails.pii.pseudonymise import scan_any_length


def _scan_noting_analysed(scanner: PiiScanner, text: str, by_line: bool = False) -> tuple[list[PiiSpan], list[str]]:
    """scan_any_length's spans, and the pieces the scanner really analysed (not served from its memory)."""
    analysed: list[str] = []
    inner = scanner._scan
    scanner._scan = lambda piece, lang: analysed.append(piece) or inner(piece, lang)  # noqa: SLF001
    try:
        return scan_any_length(scanner, text, by_line=by_line), analysed
    finally:
        del scanner._scan


def test_blocks_are_scanned_separately_with_their_offsets_and_remembered():
    scanner = get_scanner()
    template = "You are the assistant of a small shop.\nAnswer briefly.\n\n"
    first = template + "Write to the owner at ana.lopez@example.org about refunds."
    second = template + "\n\n  \nCall our office on +1 415 555 0199 for an invoice."
    spans = scan_any_length(scanner, first)
    assert [(first[s.start:s.end], s.type) for s in spans] == [("ana.lopez@example.org", "EMAIL_ADDRESS")]
    spans, analysed = _scan_noting_analysed(scanner, second)
    assert [second[s.start:s.end] for s in spans] == ["+1 415 555 0199"]
    # the template block was remembered from the first text; only the new block was analysed (the scanner is
    # process-wide, so another test may have scanned the new block already: hence "at most")
    assert set(analysed) <= {"Call our office on +1 415 555 0199 for an invoice."}
    assert not any("small shop" in text for text in analysed)


def test_documents_are_scanned_line_by_line_so_a_new_excerpt_of_known_lines_costs_no_analysis():
    scanner = get_scanner()
    chunk = ["Refunds are handled by our billing desk.", "Write to billing at desk.north@example.net.",
             "Invoices are sent on the first working day."]
    scan_any_length(scanner, "\n".join(chunk), by_line=True)
    excerpt = f"[1] Billing\n{chunk[1]}\n…\n{chunk[2]}"  # another turn's excerpt: known lines, one new header
    spans, analysed = _scan_noting_analysed(scanner, excerpt, by_line=True)
    assert [excerpt[s.start:s.end] for s in spans] == ["desk.north@example.net"]
    assert not any(line in text for text in analysed for line in chunk)  # known lines were not analysed again


def test_a_sources_number_is_left_out_of_the_lookup_so_the_same_header_under_another_number_is_known():
    scanner = get_scanner()
    header = "Support desk — Contact Grace Okafor at grace.okafor@example.com"
    first = scan_any_length(scanner, f"[1] {header}\nOpen 9 to 5.", by_line=True)
    text = f"Sources:\n[2] {header}\nOpen 9 to 5."
    spans, analysed = _scan_noting_analysed(scanner, text, by_line=True)
    assert {s.type for s in first} >= {"EMAIL_ADDRESS"}
    assert "grace.okafor@example.com" in [text[s.start:s.end] for s in spans]  # offsets are in the whole text
    assert not any(header in t for t in analysed), "the header was seen under [1]: not analysed again as [2]"
