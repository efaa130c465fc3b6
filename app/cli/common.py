"""What every command module shares: consoles, a container from the environment, a progress bar."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.settings import Settings

out = Console()
err = Console(stderr=True)


def container(**kwargs: Any):  # noqa: ANN201 - app.container.Container
    from app.container import Container

    return Container(Settings(), **kwargs)


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True)
