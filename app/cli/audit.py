"""`salesagent audit …`: verify the chain (first broken link), list entries, anchor the head."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import container, err, out

audit_cli = typer.Typer(help="Tamper-evident audit chain.", no_args_is_help=True)


def _anchors(path: Path | None) -> list:  # noqa: ANN401 - list[Anchor]
    from guardrails.audit import Anchor

    if path is None:
        return []
    if not path.exists():
        raise typer.BadParameter(f"no anchor file {path}")
    anchors = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                d = json.loads(line)
                anchors.append(Anchor(int(d["seq"]), str(d["hash"]), str(d.get("at", ""))))
            except (ValueError, KeyError, TypeError) as exc:
                raise typer.BadParameter(f"{path}:{n} is not an anchor line") from exc
    return anchors


@audit_cli.command("verify")
def audit_verify(anchors: Annotated[Path | None, typer.Option(help="file written by `audit anchor`")] = None) -> None:
    """Recompute every link; exit 1 and name the first broken one if the chain was changed."""
    c = container()
    try:
        broken = c.audit.verify(_anchors(anchors))
        head = c.audit.head()
    finally:
        c.close()
    if broken is not None:
        err.print(f"[red]broken at entry {broken.seq}: {broken.reason}[/red]")
        raise typer.Exit(1)
    out.print(f"audit chain intact: {head.seq if head else 0} entries" + (f", head {head.hash[:16]}" if head else ""))


@audit_cli.command("start")
def audit_start() -> None:
    """Write the signed genesis head of a chain that has neither entries nor a head, for a database set up
    before genesis heads (`db upgrade` writes one in every new database). It cannot tell such a database
    from one whose chain was deleted: run it only if you know this one never had an entry. Its first entry
    then says the chain was started this way."""
    c = container()
    try:
        started = c.audit.start()
        if started:
            c.audit.append(actor="system", action="audit.started", detail={"by": "salesagent audit start"})
    finally:
        c.close()
    if not started:
        err.print("the chain already has a head or entries; nothing written")
        raise typer.Exit(1)
    out.print("audit chain started: signed genesis head written")


@audit_cli.command("list")
def audit_list(subject: str = "", action: str = "", limit: int = 50, after: int = 0,
               as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Entries in order; filter by subject (contact:con-001) or action prefix (tool., consent., dsr.)."""
    c = container()
    rows = c.audit.entries(subject or None, limit, action=action or None, after=after)
    c.close()
    if as_json:
        out.print_json(json.dumps([{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                                    "subject": e.subject, "purpose": e.purpose, "detail": e.detail, "hash": e.hash}
                                   for e in rows], ensure_ascii=False))
        return
    for e in rows:
        outcome = e.detail.get("outcome") or ("allowed" if e.detail.get("allowed") else "")
        out.print(f"{e.seq:>6} {e.at:%Y-%m-%d %H:%M:%S} {e.actor:<18} {e.action:<26} {e.subject:<22} "
                  f"{e.purpose:<14} {outcome}")


@audit_cli.command("anchor")
def audit_anchor(out_file: Annotated[Path, typer.Option("--out", help="append the head here (keep it off this "
                                                         "machine, e.g. in a WORM bucket or a ticket)")]) -> None:
    """Append the chain's current head to a file; `audit verify --anchors FILE` then proves nothing before
    it was removed or rewritten, even with database access."""
    c = container()
    head = c.audit.head()
    c.close()
    if head is None:
        err.print("the chain is empty; nothing to anchor")
        raise typer.Exit(1)
    with out_file.open("a", encoding="utf-8") as f:
        f.write(json.dumps(head.as_dict()) + "\n")
    out.print(f"anchored entry {head.seq} ({head.hash[:16]}) in {out_file}")
