"""The `salesagent` command. Each area's commands live in their own module and register here."""

from __future__ import annotations

import typer

from app.cli.access import token_cli
from app.cli.audit import audit_cli
from app.cli.consent import consent_cli
from app.cli.dsr import dsr_cli
from app.cli.eval import eval_cli
from app.cli.kb import kb_cli
from app.cli.ops import config_cli, db_cli, demo_cli, model_cli, ops_cli
from app.cli.pii import pii_cli
from app.cli.worker import worker_cli

cli = typer.Typer(help="Conversational AI sales agent.", no_args_is_help=True, add_completion=False)
cli.registered_commands += ops_cli.registered_commands
cli.registered_commands += worker_cli.registered_commands
for sub, name in ((kb_cli, "kb"), (db_cli, "db"), (demo_cli, "demo"), (model_cli, "model"), (config_cli, "config"),
                  (token_cli, "token"), (pii_cli, "pii"), (consent_cli, "consent"), (dsr_cli, "dsr"),
                  (audit_cli, "audit"), (eval_cli, "eval")):
    cli.add_typer(sub, name=name)


def main() -> None:
    cli()
