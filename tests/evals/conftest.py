"""Evals run the whole app in-process with the scripted model. The demo documents are embedded once per
session (tests/conftest.py's `demo_chroma`) and handed to the harness as its cached knowledge-base template."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def eval_cache(demo_chroma: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache dir in which `evals.harness.demo_kb_template` finds the demo docs already ingested."""
    from app.demo.seed import DOCS
    from evals.harness import kb_fingerprint

    cache = tmp_path_factory.mktemp("eval-cache")
    folder = cache / f"kb-{kb_fingerprint({a: f for a, f in DOCS.items() if f.is_dir()})}"
    shutil.copytree(demo_chroma, folder / "chroma")
    (folder / "ingested").write_text("from the session's demo_chroma")
    return cache
