"""`salesagent consent …`: a contact's consents with provenance; record, revoke; the notice text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from app.cli.common import container, err, out

consent_cli = typer.Typer(help="Consent ledger: show, grant, revoke; notice texts.", no_args_is_help=True)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@consent_cli.command("show")
def consent_show(contact_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every grant of a contact, oldest first, with status and provenance."""
    c = container()
    grants = [g.as_dict() for g in c.consents.history(contact_id)]
    known = bool(grants) or c.crm.contact(contact_id) is not None
    c.close()
    if not known:  # a typo is not "a contact who gave no consent"
        err.print(f"no contact {contact_id!r}")
        raise typer.Exit(2)
    if as_json:
        out.print_json(json.dumps(grants, ensure_ascii=False))
        return
    if not grants:
        err.print(f"no consents recorded for {contact_id}")
        return
    for g in grants:
        out.print(f"#{g['id']:<4} {g['status']:<8} {g['purpose']:<15} {','.join(g['data_categories'])} "
                  f"on {','.join(g['channels'])} | {g['source']} {g['given_in']} notice {g['notice_version'] or '-'}"
                  f" | by {g['recorded_by']} {g['granted_at'][:10]}"
                  + (f" | revoked {g['revoked_at'][:10]} by {g['revoked_by']}" if g["revoked_at"] else "")
                  + (f" | expires {g['expires_at'][:10]}" if g["expires_at"] else ""))


@consent_cli.command("grant")
def consent_grant(contact_id: str,
                  purpose: Annotated[str, typer.Option(help="service | sales_followup | marketing | ...")],
                  categories: Annotated[str, typer.Option(help="comma-separated data categories")],
                  channels: Annotated[str, typer.Option(help="comma-separated channels")],
                  source: Annotated[str, typer.Option(help="where it was given: phone_call, paper_form, ...")],
                  by: Annotated[str, typer.Option(help="who records it, e.g. admin:alice")] = "admin:cli",
                  given_in: str = "",
                  expires: Annotated[str, typer.Option(help="YYYY-MM-DD")] = "") -> None:
    """Record a consent the contact gave, with its provenance."""
    from guardrails.consent import ConsentError

    c = container()
    try:
        g = c.consents.grant(contact_id, purpose, _split(categories), _split(channels), source=source,
                             recorded_by=by, given_in=given_in,
                             expires_at=datetime.fromisoformat(expires) if expires else None)
    except (ConsentError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        c.close()
    out.print(f"recorded grant #{g.id}")


@consent_cli.command("revoke")
def consent_revoke(contact_id: str,
                   purpose: Annotated[str, typer.Option(help="one purpose; omit for all")] = "",
                   channels: Annotated[str, typer.Option(help="comma-separated; omit for all")] = "",
                   reason: str = "", by: str = "admin:cli") -> None:
    """Revoke consents now; revoked grants stay in the history."""
    from guardrails.consent import ConsentError

    c = container()
    try:
        revoked = c.consents.revoke(contact_id, purpose or None, _split(channels) or None, by=by, reason=reason,
                                    source="cli")
    except ConsentError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        c.close()
    out.print(f"revoked {len(revoked)} grant(s)" + (f": {', '.join(f'#{g.id}' for g in revoked)}" if revoked else ""))


@consent_cli.command("notice")
def consent_notice(purpose: Annotated[str, typer.Option()], categories: Annotated[str, typer.Option()],
                   channels: Annotated[str, typer.Option()], language: str = "en") -> None:
    """Print the notice a contact would be shown, with its version and hash."""
    from guardrails.consent.notices import render_notice

    c = container()
    try:
        n = render_notice(company=c.consent_offers.company, purpose=purpose, categories=_split(categories),
                          channels=_split(channels), language=language)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        c.close()
    out.print(n.text)
    err.print(f"version {n.version} · sha256 {n.hash}")
