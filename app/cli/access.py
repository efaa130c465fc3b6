"""`salesagent token …`: API and console tokens per role."""

from __future__ import annotations

import json
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


@token_cli.command("list")
def token_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every token's id, role, subject, label, when it was created and revoked (never the token or its hash)."""
    c = container()
    try:
        rows = c.tokens.list()
    finally:
        c.close()
    if as_json:
        out.print_json(json.dumps([{"id": t.id, "role": t.role, "subject": t.subject, "label": t.label,
                                    "created": t.created_at.isoformat(),
                                    "revoked": t.revoked_at.isoformat() if t.revoked_at else None} for t in rows]))
        return
    out.print(f"{'id':>5} {'role':<9} {'subject':<20} {'created':<16} {'revoked':<16} label", soft_wrap=True)
    for t in rows:
        revoked = f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "-"
        out.print(f"{t.id:>5} {t.role:<9} {t.subject:<20} {t.created_at:%Y-%m-%d %H:%M} {revoked:<16} {t.label}",
                  soft_wrap=True, highlight=False, markup=False)


@token_cli.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="the token itself")] = "",
                 token_id: Annotated[int | None, typer.Option("--id", help="the id `token list` shows")] = None) -> None:
    """Revoke a token, given the token or its id."""
    if bool(token) == (token_id is not None):
        raise typer.BadParameter("give the token or --id N (one of them)")
    c = container()
    try:
        ok = c.tokens.revoke(token) if token else c.tokens.revoke_id(token_id)
    finally:
        c.close()
    if not ok:
        err.print("no such active token")
        raise typer.Exit(1)
    out.print("revoked")
