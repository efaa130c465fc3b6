"""HTTP authentication: a bearer token (API clients) or the console's session cookie (browsers)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request

from guardrails.access import Principal, TokenStore

COOKIE = "salesagent_session"


def principal_of(request: Request, tokens: TokenStore) -> Principal | None:
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE, "")
    return tokens.authenticate(token) if token else None


def requires(tokens: TokenStore, *roles: str) -> Callable[[Request], Principal]:
    """A FastAPI dependency: the caller's principal, or 401 (no valid token) / 403 (wrong role)."""

    def dependency(request: Request) -> Principal:
        who = principal_of(request, tokens)
        if who is None:
            raise HTTPException(401, "sign in: send `Authorization: Bearer <token>`")
        if not who.has(*roles):
            raise HTTPException(403, f"role {who.role!r} may not do this (needs {' or '.join(roles)})")
        return who

    return dependency
