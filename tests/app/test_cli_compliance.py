"""`salesagent consent|dsr|audit …` against a temporary data dir with the demo tenant."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """A data dir that does not exist yet, as on a first start."""
    data = tmp_path / "data"
    monkeypatch.setenv("SALESAGENT_DATA_DIR", str(data))
    monkeypatch.setenv("SALESAGENT_LLM_PROVIDER", "scripted")
    monkeypatch.chdir(tmp_path)
    return data


@pytest.fixture
def env(fresh):
    from sqlalchemy.orm import Session

    from app.container import Container
    from app.demo.seed import load_tenant, seed_crm
    from app.settings import Settings

    c = Container(Settings(_env_file=None))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    c.close()
    return fresh


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_consent_commands(env):
    shown = run("consent", "show", "con-003")
    assert shown.exit_code == 0 and "revoked" in shown.output and "sales_followup" in shown.output
    typo = run("consent", "show", "con-999")
    assert typo.exit_code == 2 and "no contact 'con-999'" in typo.output
    r = run("consent", "grant", "con-001", "--purpose", "marketing", "--categories", "contact_details",
            "--channels", "email,sms", "--source", "phone_call", "--by", "rep:rep-001")
    assert r.exit_code == 0 and "recorded grant" in r.output
    r = run("consent", "revoke", "con-001", "--purpose", "marketing", "--channels", "sms")
    assert r.exit_code == 0 and "revoked 1 grant" in r.output
    grants = json.loads(run("consent", "show", "con-001", "--json").output)
    marketing = [g for g in grants if g["purpose"] == "marketing"]
    assert [(g["status"], g["channels"]) for g in marketing] == [("revoked", ["email", "sms"]),
                                                                  ("active", ["email"])]
    bad = run("consent", "grant", "con-001", "--purpose", "spying", "--categories", "contact_details",
              "--channels", "email", "--source", "x")
    assert bad.exit_code == 2 and "unknown purpose" in bad.output
    notice = run("consent", "notice", "--purpose", "marketing", "--categories", "contact_details",
                 "--channels", "wecom", "--language", "zh")
    assert notice.exit_code == 0 and "企业微信" in notice.output and "sha256" in notice.output


def test_dsr_commands(env, tmp_path):
    opened = run("dsr", "open", "con-004", "--kind", "export", "--source", "email")
    assert opened.exit_code == 0, opened.output
    req = opened.output.split()[0]
    out = tmp_path / "export.json"
    assert run("dsr", "run", req, "--out", str(out)).exit_code == 0
    doc = json.loads(out.read_text())
    assert doc["contact_id"] == "con-004" and oct(out.stat().st_mode)[-3:] == "600"
    erase = run("dsr", "open", "con-004", "--kind", "erase").output.split()[0]
    listed = run("dsr", "list")
    assert erase in listed.output and "frozen" in listed.output
    assert "no overdue requests" in run("dsr", "list", "--overdue").output
    done = run("dsr", "run", erase)
    assert done.exit_code == 0 and "proven" in done.output
    assert json.loads(run("dsr", "show", erase).output)["receipt"]["residue"] == 0
    assert run("dsr", "open", "con-999", "--kind", "erase").exit_code == 2
    assert run("dsr", "run", "dsr-000000000000").exit_code == 2


def test_audit_commands_find_tampering(env, tmp_path):
    run("consent", "revoke", "con-001", "--purpose", "profiling")
    run("consent", "revoke", "con-002", "--purpose", "marketing")
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and "intact: 2 entries" in ok.output
    anchors = tmp_path / "anchors.jsonl"
    assert run("audit", "anchor", "--out", str(anchors)).exit_code == 0
    listed = run("audit", "list", "--subject", "contact:con-002", "--json")
    assert [e["action"] for e in json.loads(listed.output)] == ["consent.revoke"]

    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{env / 'salesagent.db'}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 2"))  # the last entry
    engine.dispose()
    broken = run("audit", "verify")
    assert broken.exit_code == 1 and "broken at entry 2" in broken.output
    assert run("audit", "verify", "--anchors", str(anchors)).exit_code == 1


def test_a_deleted_audit_chain_is_reported_broken(fresh):
    assert run("db", "upgrade").exit_code == 0
    new = run("audit", "verify")
    assert new.exit_code == 0 and "intact: 0 entries" in new.output  # a new database: its signed genesis
    run("consent", "grant", "con-1", "--purpose", "marketing", "--categories", "contact_details",
        "--channels", "email", "--source", "phone_call")
    assert "intact: 1 entries" in run("audit", "verify").output

    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{fresh / 'salesagent.db'}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
        conn.execute(text("DELETE FROM audit_head"))
    broken = run("audit", "verify")
    assert broken.exit_code == 1 and "no head record" in broken.output
    # neither starting again nor the next entry makes it look new
    assert run("db", "upgrade").exit_code == 0
    run("consent", "revoke", "con-1", "--purpose", "marketing")
    assert run("audit", "verify").exit_code == 1
    assert run("audit", "start").exit_code == 1  # it has entries again: nothing to start
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_head")).scalar() == 0
    engine.dispose()


def test_audit_start_gives_a_database_set_up_before_genesis_heads_its_head(fresh):
    from app.db import upgrade

    upgrade(f"sqlite:///{fresh / 'salesagent.db'}")  # as older versions left it: a schema, no head
    (fresh / "audit_key").write_text("k" * 64 + "\n")
    assert run("audit", "verify").exit_code == 1
    started = run("audit", "start")
    assert started.exit_code == 0, started.output
    listed = json.loads(run("audit", "list", "--json").output)
    assert [e["action"] for e in listed] == ["audit.started"]  # on record that it was started this way
    assert run("audit", "verify").exit_code == 0
    assert run("audit", "start").exit_code == 1
