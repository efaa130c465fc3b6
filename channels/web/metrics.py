"""`/metrics` in Prometheus text format, from contributors: each is a callable returning lines.

Several packages add their own (reviewer metrics, agent turn metrics…); the app registers them all on
one registry, so there is one endpoint and one place that renders it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

log = logging.getLogger(__name__)
Contributor = Callable[[], Iterable[str]]


class MetricsRegistry:
    def __init__(self) -> None:
        self._contributors: dict[str, Contributor] = {}

    def add(self, name: str, contributor: Contributor) -> None:
        self._contributors[name] = contributor

    def render(self) -> str:
        lines: list[str] = []
        for name, contributor in self._contributors.items():
            try:
                lines.extend(contributor())
            except Exception:  # one broken contributor must not take the others down
                log.exception("metrics contributor %s failed", name)
                lines.append(f'salesagent_metrics_contributor_up{{name="{name}"}} 0')
        return "\n".join(lines) + "\n"


def metrics_router(registry: MetricsRegistry) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus text exposition."""
        return PlainTextResponse(registry.render(), media_type="text/plain; version=0.0.4")

    return router


def label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
