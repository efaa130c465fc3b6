"""`salesagent pii scan`: find PII in text or a JSONL file (offsets are Python string indices)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import err

pii_cli = typer.Typer(help="PII detection (English and Chinese).", no_args_is_help=True)


@pii_cli.command("scan")
def scan_cmd(
    in_: Annotated[Path | None, typer.Option("--in", help='JSONL: {"id", "text", "lang": "en"|"zh"|null} per line.')] = None,
    out_: Annotated[Path | None, typer.Option("--out", help="JSONL output (default: stdout).")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Scan this text instead of a file.")] = None,
    lang: Annotated[str | None, typer.Option(help="en | zh (default: detected; mixed text is scanned for both).")] = None,
) -> None:
    """Print {"id", "spans": [{"start", "end", "type", "score"}]} per input line."""
    from guardrails.pii import TextTooLong, get_scanner

    if (in_ is None) == (text is None):
        raise typer.BadParameter("give exactly one of --in FILE or --text TEXT")
    if lang not in (None, "en", "zh"):
        raise typer.BadParameter("--lang must be en or zh")
    scanner = get_scanner()
    if text is not None:
        try:
            spans = scanner.scan(text, lang)
        except TextTooLong as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        sys.stdout.write(json.dumps({"id": None, "spans": [s.as_dict() for s in spans]}, ensure_ascii=False) + "\n")
        return
    assert in_ is not None
    if not in_.is_file():
        raise typer.BadParameter(f"{in_} is not a file")
    sink = out_.open("w", encoding="utf-8") if out_ else sys.stdout
    bad = 0
    try:
        with in_.open(encoding="utf-8", errors="surrogateescape") as src:
            for n, line in enumerate(src, 1):
                if not line.strip():
                    continue
                row = _parse(line, n)
                if row is None:
                    bad += 1
                    continue
                try:
                    spans = [s.as_dict() for s in scanner.scan(row["text"], row.get("lang") or lang)]
                except TextTooLong as exc:
                    err.print(f"line {n}: {exc}; skipped")
                    bad += 1
                    continue
                sink.write(json.dumps({"id": row.get("id"), "spans": spans}, ensure_ascii=False) + "\n")
    finally:
        if out_:
            sink.close()
    if bad:
        err.print(f"[yellow]{bad} line(s) skipped[/yellow]")
        raise typer.Exit(1)


def _parse(line: str, n: int) -> dict | None:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        err.print(f"line {n}: not valid JSON ({exc.msg}); skipped")
        return None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        err.print(f'line {n}: expected an object with a string "text"; skipped')
        return None
    if row.get("lang") not in (None, "en", "zh"):
        err.print(f"line {n}: lang must be en, zh or null; skipped")
        return None
    return row
