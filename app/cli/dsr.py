"""`salesagent dsr …`: data-subject requests — open, list (overdue), run (export / erase), show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import container, err, out

dsr_cli = typer.Typer(help="Data-subject requests: export and erasure, with due times.", no_args_is_help=True)


@dsr_cli.command("open")
def dsr_open(contact_id: str, kind: Annotated[str, typer.Option(help="export | erase")],
             source: Annotated[str, typer.Option(help="how it reached us: email, phone, ...")] = "cli",
             by: str = "admin:cli") -> None:
    """Open a request. An erasure freezes the contact at once."""
    from guardrails.dsr import DsrError

    c = container()
    try:
        v = c.dsr.open(kind=kind, contact_id=contact_id, source=source, requested_by=by)
    except DsrError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        c.close()
    out.print(f"{v.id} {v.kind} {v.status}; due: " + ", ".join(f"{k} {d[:16]}" for k, d in v.due.items() if d))


@dsr_cli.command("list")
def dsr_list(overdue: Annotated[bool, typer.Option("--overdue", help="only requests past a due time")] = False,
             as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Requests with their status and due times."""
    c = container()
    views = c.dsr.list(overdue=overdue)
    c.close()
    if as_json:
        out.print_json(json.dumps([v.as_dict() for v in views], ensure_ascii=False, default=str))
        return
    if not views:
        err.print("no overdue requests" if overdue else "no requests")
        return
    for v in views:
        late = f" [red]OVERDUE: {', '.join(v.overdue)}[/red]" if v.overdue else ""
        out.print(f"{v.id} {v.kind:<6} {v.contact_id:<10} {v.status:<9} received {v.received_at:%Y-%m-%d %H:%M}"
                  f" by {v.requested_by}{late}")


@dsr_cli.command("run")
def dsr_run(request_id: str, out_file: Annotated[Path | None, typer.Option("--out", help="export: write the "
            "document here (mode 600) instead of stdout")] = None, by: str = "admin:cli") -> None:
    """Carry a request out: write the export document, or erase and print the receipt."""
    from guardrails.dsr import DsrError

    c = container()
    try:
        view = c.dsr.get(request_id)
        if view is None:
            raise DsrError(f"no request {request_id!r}")
        if view.kind == "export":
            doc = json.dumps(c.dsr.export(request_id, actor=by), ensure_ascii=False, indent=2, default=str)
            if out_file:
                out_file.write_text(doc, encoding="utf-8")
                out_file.chmod(0o600)
                err.print(f"export written to {out_file}")
            else:
                print(doc)
            return
        done = c.dsr.erase(request_id, actor=by)
    except DsrError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        c.close()
    out.print_json(json.dumps(done.receipt, ensure_ascii=False))
    out.print(f"{done.id}: {done.status}; receipt sha256 {done.receipt_hash}")
    if done.status != "proven":
        raise typer.Exit(1)


@dsr_cli.command("show")
def dsr_show(request_id: str) -> None:
    """One request with its due times and receipt."""
    c = container()
    view = c.dsr.get(request_id)
    c.close()
    if view is None:
        err.print(f"no request {request_id!r}")
        raise typer.Exit(2)
    out.print_json(json.dumps(view.as_dict(), ensure_ascii=False, default=str))
