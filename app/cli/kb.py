"""`salesagent kb …`: ingest and search the knowledge base."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import container, err, out, progress

kb_cli = typer.Typer(help="Knowledge base: ingest and search documents.", no_args_is_help=True)

Audience = Annotated[str, typer.Option(help="public (customers and reps) | internal (reps only)")]


@kb_cli.command("ingest")
def kb_ingest(folder: Path, audience: Audience = "public",
              collection: Annotated[str, typer.Option(help="Collection name (default kb_<audience>).")] = "",
              exclude: Annotated[list[str] | None, typer.Option(help="Glob of paths to leave out (repeatable).")]
              = None) -> None:
    """Ingest a folder of documents (Markdown/MDX, HTML, PDF, text). Only new or changed files are
    embedded; files deleted from the folder are removed from the collection."""
    c = container()
    try:
        with progress() as bar:
            task = bar.add_task(f"ingesting {folder}", total=None)
            r = c.kb.ingest_dir(folder, audience=audience, collection=collection, exclude=exclude or (),
                                progress=lambda i, n: bar.update(task, completed=i, total=n))
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        c.close()
    out.print(r.summary())
    for skipped in r.skipped:
        err.print(f"[yellow]skipped[/yellow] {skipped}")


@kb_cli.command("search")
def kb_search(query: str, k: int = 5, audience: Audience = "public",
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Search the knowledge base as a customer (public) or a rep (internal) would."""
    c = container()
    try:
        hits = c.kb.searcher(audience).search(query, k=k)
    except (ValueError, RuntimeError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        c.close()
    if as_json:
        out.print_json(json.dumps([asdict(h) for h in hits], ensure_ascii=False, default=str))
        return
    if not hits:
        out.print("no results")
    for i, h in enumerate(hits, 1):
        # listed page by page (a page's best chunks together), so a chunk's own score need not fall: show it
        # as what it is
        out.print(f"{i}. {h.source} — {h.heading or h.title} (chunk score {h.score:.3f})\n   {h.text[:160]!r}",
                  markup=False)
