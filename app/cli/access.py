"""`salesagent token …`: API and console tokens per role."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import container, err, out
from guardrails.access import ROLES

token_cli = typer.Typer(help="API and console sign-in tokens (one role each).", no_args_is_help=True)


@token_cli.command("create")
def token_create(role: Annotated[str, typer.Option(help=" | ".join(ROLES))],
                 subject: Annotated[str, typer.Option(help="rep id, contact id, or user name")],
                 label: str = "") -> None:
    """Create a token; it is printed once and only its hash is kept."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    c = container()
    out.print(c.tokens.create(role, subject, label))
    err.print("store it now: it cannot be shown again")
    c.close()


@token_cli.command("revoke")
def token_revoke(token: str) -> None:
    """Revoke a token."""
    c = container()
    ok = c.tokens.revoke(token)
    c.close()
    if not ok:
        err.print("no such active token")
        raise typer.Exit(1)
    out.print("revoked")
