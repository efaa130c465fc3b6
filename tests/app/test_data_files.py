"""Files with secrets or personal data (the databases, the audit key, the admin token) are readable by their
owner only from the moment they exist; a data dir we create is 0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import make_settings

REVOKED = "sa_" + "r" * 43  # what an older admin_token file holds after its token was revoked


@pytest.fixture
def umask_022():
    """The usual umask, whatever the test runner's: files made with default permissions are world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_files_are_private_from_the_start(tmp_path, umask_022):
    from app.container import Container

    env = tmp_path / "data"  # not there yet, as on a first start
    c = Container(make_settings(env))
    try:
        assert mode(env) == 0o700
        c.setup_database()
        assert c.bootstrap_admin_token() is not None
        c.audit.append(actor="system", action="test")  # a write: the WAL and shared-memory files exist now
        c.checkpointer.conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
        c.kb.embedder  # noqa: B018 - opens embeddings.sqlite
        for name in ("salesagent.db", "salesagent.db-wal", "salesagent.db-shm", "checkpoints.sqlite",
                     "embeddings.sqlite", "audit_key", "admin_token"):
            assert (env / name).exists(), name
            assert mode(env / name) == 0o600, f"{name} is {oct(mode(env / name))}"
        assert mode(env / "chroma") == 0o700
        assert not [p.name for p in env.iterdir() if p.name.endswith(".tmp")]
    finally:
        c.close()


def test_an_existing_data_dir_and_files_keep_their_mode_and_the_admin_token_is_replaced_privately(tmp_path,
                                                                                                 umask_022):
    from app.container import Container

    data = tmp_path / "mine"
    data.mkdir(mode=0o750)
    data.chmod(0o750)
    old_token = data / "admin_token"
    old_token.write_text(f"{REVOKED}\n")
    old_token.chmod(0o644)
    c = Container(make_settings(data))
    try:
        c.setup_database()
        assert mode(data) == 0o750  # the operator's directory: left as they made it
        assert c.bootstrap_admin_token() == old_token
        token = old_token.read_text().strip()
        assert token != REVOKED and c.tokens.authenticate(token).role == "admin"
        assert mode(old_token) == 0o600  # a new file, private from its first byte
    finally:
        c.close()


def test_processes_making_the_audit_key_together_agree_on_one(tmp_path):
    from app.container import write_private

    key = tmp_path / "audit_key"
    assert write_private(key, "first\n", replace=False)
    assert not write_private(key, "second\n", replace=False)
    assert key.read_text() == "first\n" and mode(key) == 0o600
    assert write_private(key, "third\n", replace=True) and key.read_text() == "third\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit_key"]
