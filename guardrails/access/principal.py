"""A principal is an authenticated caller with one role."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("customer", "rep", "reviewer", "admin")


@dataclass(frozen=True)
class Principal:
    role: str
    subject: str  # contact id (customer), rep id (rep), user name (reviewer, admin)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}")

    def has(self, *roles: str) -> bool:
        # admins may do everything a reviewer may; nobody else inherits
        return self.role in roles or (self.role == "admin" and "reviewer" in roles)
