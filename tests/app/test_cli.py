"""The `salesagent` command, run in-process against a temporary data dir."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli


@pytest.fixture
def env(data_dir, monkeypatch):
    monkeypatch.setenv("SALESAGENT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SALESAGENT_LLM_PROVIDER", "scripted")
    monkeypatch.chdir(data_dir)  # no stray .env
    return data_dir


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_doctor_is_green_after_db_upgrade_and_red_before(env):
    before = run("doctor")
    assert before.exit_code == 1
    assert "database" in before.output and "salesagent db upgrade" in before.output
    assert run("db", "upgrade").exit_code == 0
    after = run("doctor")
    assert after.exit_code == 0, after.output
    for name in ("model", "database", "chroma", "embeddings", "network"):
        assert name in after.output
    assert "✗" not in after.output


def test_doctor_fails_when_the_local_model_is_missing(env, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESAGENT_LLM_PROVIDER", "local")
    monkeypatch.setenv("SALESAGENT_MODEL_CACHE_DIR", str(tmp_path / "empty-cache"))
    run("db", "upgrade")
    result = run("doctor")
    assert result.exit_code == 1
    assert "salesagent model fetch" in result.output


def test_config_show_masks_secrets(env, monkeypatch):
    monkeypatch.setenv("SALESAGENT_LLM_API_KEY", "sk-abc123")
    result = run("config", "show")
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert shown["llm_api_key"] == "********" and "sk-abc123" not in result.output
    assert shown["data_dir"] == str(env)


def test_kb_ingest_is_incremental_and_search_finds_it(env, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Widgets\nThe blue widget weighs 12 kg.\n")
    first = run("kb", "ingest", str(docs), "--audience", "internal")
    assert "1 added" in first.output, first.output
    again = run("kb", "ingest", str(docs), "--audience", "internal")
    assert "1 unchanged" in again.output and "0 chunks embedded" in again.output
    (docs / "a.md").write_text("# Widgets\nThe blue widget weighs 15 kg.\n")
    assert "1 updated" in run("kb", "ingest", str(docs), "--audience", "internal").output
    found = json.loads(run("kb", "search", "how heavy is the blue widget", "--audience", "internal", "--json").output)
    assert found[0]["source"] == "a.md" and "15 kg" in found[0]["text"]
    (docs / "a.md").unlink()
    assert "1 removed" in run("kb", "ingest", str(docs), "--audience", "internal").output
    assert run("kb", "ingest", str(tmp_path / "nope")).exit_code == 2


def test_the_worker_redacts_its_logs(env):
    """`salesagent worker` logs deliveries that name people: like `serve`, every record is redacted."""
    import logging

    from guardrails.pii.logfilter import uninstall_log_redaction

    assert run("worker", "--once").exit_code == 0
    try:
        record = logging.getLogger("channels.outbox").makeRecord("x", logging.INFO, __file__, 1,
                                                                 "delivered to %s", ("anna.berg@example.com",), None)
        assert record.getMessage() == "delivered to <EMAIL_ADDRESS>"
    finally:
        uninstall_log_redaction()


def _seed_crm() -> None:
    from sqlalchemy.orm import Session

    from app.container import Container
    from app.demo.seed import load_tenant, seed_crm
    from app.settings import Settings

    c = Container(Settings(_env_file=None))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    c.close()


def test_chat_prints_replies_given_before_the_model_and_runs_a_rep_as_a_known_rep(env):
    _seed_crm()
    said = CliRunner().invoke(cli, ["chat", "--as", "customer", "--visitor", "visitor-003",
                                    "--conversation", "cli-optout"], input="stop contacting me\n",
                              catch_exceptions=False)
    assert said.exit_code == 0 and "no longer contact" in said.output, said.output

    rep = CliRunner().invoke(cli, ["chat", "--as", "rep", "--conversation", "cli-rep"], input="hello\n",
                             catch_exceptions=False)
    assert rep.exit_code == 0 and "as rep rep-001" in rep.output
    from app.container import Container
    from app.settings import Settings

    c = Container(Settings(_env_file=None))
    try:
        assert c.conversations.get("cli-rep").rep_id == "rep-001"
    finally:
        c.close()
    assert run("chat", "--as", "rep", "--rep", "rep-999").exit_code == 2
    # a customer's conversation is not continued as a rep
    mixed = CliRunner().invoke(cli, ["chat", "--as", "rep", "--conversation", "cli-optout"], input="hi\n")
    assert mixed.exit_code == 2 and "belongs to a customer" in mixed.output


def test_tokens_are_listed_and_revoked_by_id(env):
    run("db", "upgrade")
    alice = run("token", "create", "--role", "reviewer", "--subject", "alice", "--label", "desk").stdout.strip()
    bob = run("token", "create", "--role", "rep", "--subject", "rep-001").stdout.strip()
    listed = run("token", "list")
    assert listed.exit_code == 0 and "alice" in listed.output and "rep-001" in listed.output
    assert alice not in listed.output and bob not in listed.output
    rows = json.loads(run("token", "list", "--json").output)
    assert [(r["role"], r["subject"], r["label"], r["revoked"]) for r in rows] == [
        ("reviewer", "alice", "desk", None), ("rep", "rep-001", "", None)]
    assert set(rows[0]) == {"id", "role", "subject", "label", "created", "revoked"}

    assert run("token", "revoke", "--id", str(rows[0]["id"])).exit_code == 0
    assert run("token", "revoke", "--id", str(rows[0]["id"])).exit_code == 1  # already revoked
    assert run("token", "revoke", bob).exit_code == 0  # by the token itself, as before
    assert [r["revoked"] is not None for r in json.loads(run("token", "list", "--json").output)] == [True, True]
    assert run("token", "revoke").exit_code == 2  # neither given
    assert run("token", "revoke", bob, "--id", "1").exit_code == 2  # both given
