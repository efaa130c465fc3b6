"""Shared fixtures: isolated settings per test, a real SQLite file or PostgreSQL schema, real Chroma
with the demo docs (embedded once per session, copied per test), the scripted model."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never read the developer's environment or .env.
for _key in [k for k in os.environ if k.startswith("SALESAGENT_")]:
    del os.environ[_key]
os.environ.setdefault("OMP_NUM_THREADS", "2")

from app.settings import Settings  # noqa: E402

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


IDENTITY_SECRET = "test-site-identity-secret"  # noqa: S105 - what a site embedding the widget shares with us


def signed_visitor(visitor_id: str) -> dict[str, str]:
    """The visitor fields a site's backend puts on its page for a signed-in visitor (channels/web/access.py)."""
    from channels.web.access import sign_visitor

    return {"visitor_id": visitor_id, "visitor_hash": sign_visitor(IDENTITY_SECRET.encode(), visitor_id)}


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values = {"data_dir": data_dir, "llm_provider": "scripted", "widget_identity_secret": IDENTITY_SECRET}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def postgres_available() -> str | None:
    """None when reachable, else the reason to skip."""
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=2):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards."""
    reason = postgres_available()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def demo_chroma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo docs embedded once per session into a Chroma folder that tests copy."""
    from app.demo.seed import seed_knowledge
    from retrieval.embeddings import LocalE5Embedder
    from retrieval.knowledge import KnowledgeBase, open_chroma

    path = tmp_path_factory.mktemp("demo-chroma") / "chroma"
    seed_knowledge(KnowledgeBase(open_chroma(path), LocalE5Embedder(), index_dir=path / "lexical"))
    return path


@pytest.fixture
def data_dir(tmp_path: Path, demo_chroma: Path) -> Path:
    """A data dir with the demo docs already ingested."""
    d = tmp_path / "data"
    d.mkdir()
    shutil.copytree(demo_chroma, d / "chroma")
    return d


@pytest.fixture
def seeded_container(data_dir: Path):  # noqa: ANN201
    """Container on a migrated SQLite file with the demo CRM loaded and the scripted model."""
    from sqlalchemy.orm import Session

    from app.container import Container
    from app.demo.seed import load_tenant, seed_crm

    c = Container(make_settings(data_dir))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    yield c
    c.close()


def chat_client(app):  # noqa: ANN001, ANN201
    """A TestClient that keeps each web chat conversation's key and sends it back, as the widget does
    (channels/web/access.py); a test that wants to act as a stranger passes its own header."""
    import json
    import re

    from fastapi.testclient import TestClient

    from channels.web.access import KEY_HEADER

    in_path = re.compile(r"/v1/conversations/([^/?]+)")

    class ChatClient(TestClient):
        def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            self.keys: dict[str, str] = {}

        def send(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
            cid = m.group(1) if (m := in_path.search(request.url.path)) else None
            if cid is None and request.url.path == "/v1/widget/consent":
                cid = json.loads(request.content or b"{}").get("conversation_id")
            if cid and cid in self.keys and KEY_HEADER.lower() not in request.headers:
                request.headers[KEY_HEADER] = self.keys[cid]
            response = super().send(request, **kwargs)
            if cid and response.headers.get(KEY_HEADER):
                self.keys[cid] = response.headers[KEY_HEADER]
            return response

    return ChatClient(app)


@pytest.fixture
def client(seeded_container):  # noqa: ANN001, ANN201
    from app.api import create_app

    with chat_client(create_app(seeded_container)) as tc:
        yield tc


@pytest.fixture
def db_container(db_url: str, tmp_path: Path):  # noqa: ANN201
    """The demo CRM and consents on SQLite and on PostgreSQL (one run each, through `db_url`), the scripted
    model, and an empty knowledge base (tests that need the demo docs use `seeded_container`)."""
    from sqlalchemy.orm import Session

    from app.container import Container
    from app.demo.seed import load_tenant, seed_crm

    c = Container(make_settings(tmp_path / "data", database_url=db_url))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    yield c
    c.close()
