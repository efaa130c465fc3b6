"""Who is calling: roles, principals and API tokens. Decisions about *what* they may touch live in the
consent/ABAC policy; this package only establishes identity and role."""

from guardrails.access.principal import ROLES, Principal
from guardrails.access.tokens import TokenInfo, TokenStore

__all__ = ["ROLES", "Principal", "TokenInfo", "TokenStore"]
