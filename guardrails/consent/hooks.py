"""A registry of callables the app wires to consent and data-subject events.

Other packages react without guardrails knowing them: e.g. retrieval removes a contact's past cases
when `case_learning` is revoked. A failing hook never undoes the event that fired it; its error is
returned (and audited by the caller) so an operator can re-run it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# event name -> the keyword arguments its hooks receive
EVENTS = {
    "consent.revoked": ("contact_id", "purpose"),  # one call per revoked purpose
    "consent.granted": ("contact_id", "purpose"),
    "contact.frozen": ("contact_id",),  # a data-subject erasure request arrived: stop all processing now
}

Hook = Callable[..., Any]


@dataclass(frozen=True)
class HookResult:
    event: str
    hook: str
    ok: bool
    error: str = ""


class Hooks:
    def __init__(self) -> None:
        self._hooks: dict[str, list[tuple[str, Hook, str | None]]] = defaultdict(list)

    def on(self, event: str, hook: Hook, *, purpose: str | None = None, name: str = "") -> None:
        """Call `hook(**kwargs)` on `event`; with `purpose`, only for that purpose."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; expected one of {', '.join(EVENTS)}")
        self._hooks[event].append((name or getattr(hook, "__name__", repr(hook)), hook, purpose))

    def fire(self, event: str, **kwargs: Any) -> list[HookResult]:
        results = []
        for name, hook, purpose in self._hooks.get(event, []):
            if purpose is not None and kwargs.get("purpose") != purpose:
                continue
            try:
                hook(**kwargs)
                results.append(HookResult(event, name, True))
            except Exception as exc:  # a hook failing must not lose the revocation that fired it
                # only the type: an exception message may quote personal data, and this goes to logs and audit
                log.error("hook %s for %s failed: %s", name, event, type(exc).__name__)
                results.append(HookResult(event, name, False, type(exc).__name__))
        return results
