"""API tokens per role. Only a SHA-256 of each token is stored; the token is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Engine, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from guardrails.access.principal import Principal
from tools.sqlbase import new_metadata, utcnow

PREFIX = "sa_"


class AccessBase(DeclarativeBase):
    metadata = new_metadata()


class AccessToken(AccessBase):
    __tablename__ = "access_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never the token, nor its hash."""

    id: int
    role: str
    subject: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create(self, role: str, subject: str, label: str = "") -> str:
        Principal(role, subject)  # validates the role
        token = PREFIX + secrets.token_urlsafe(32)
        with self._sessions() as s:
            s.add(AccessToken(token_hash=_digest(token), role=role, subject=subject, label=label))
            s.commit()
        return token

    def authenticate(self, token: str) -> Principal | None:
        """The token's principal, or None. Lookup is by digest, so timing does not reveal the token."""
        if not token or not token.startswith(PREFIX) or len(token) > 200:
            return None
        with self._sessions() as s:
            row = s.scalar(select(AccessToken).where(AccessToken.token_hash == _digest(token)))
            if row is None or row.revoked_at is not None:
                return None
            return Principal(row.role, row.subject)

    def revoke(self, token: str) -> bool:
        return self._revoke(AccessToken.token_hash == _digest(token))

    def revoke_id(self, token_id: int) -> bool:
        """Revoke by the id `list()` shows, for a token whose value nobody kept."""
        return self._revoke(AccessToken.id == token_id)

    def _revoke(self, which) -> bool:  # noqa: ANN001 - SQL condition
        with self._sessions() as s:
            row = s.scalar(select(AccessToken).where(which))
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            s.commit()
            return True

    def list(self) -> list[TokenInfo]:
        """Every token, revoked ones too, oldest first."""
        with self._sessions() as s:
            return [TokenInfo(r.id, r.role, r.subject, r.label, r.created_at, r.revoked_at)
                    for r in s.scalars(select(AccessToken).order_by(AccessToken.id))]

    def has_active(self, role: str) -> bool:
        with self._sessions() as s:
            return s.scalar(select(AccessToken.id).where(AccessToken.role == role,
                                                         AccessToken.revoked_at.is_(None)).limit(1)) is not None
