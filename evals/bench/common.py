"""Helpers shared by benchmarks: a throwaway seeded data dir, percentiles."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from app.container import Container
from app.settings import Settings


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def seeded_container(**overrides: object) -> Container:
    """A fresh data dir with the demo tenant migrated, seeded and ingested."""
    from sqlalchemy.orm import Session

    from app.demo.seed import load_tenant, seed_crm, seed_knowledge

    data_dir = Path(tempfile.mkdtemp(prefix="salesagent-bench-"))
    values = {"data_dir": data_dir, "llm_provider": "scripted"}
    values.update(overrides)
    c = Container(Settings(_env_file=None, **values))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    seed_knowledge(c.kb)
    return c
