"""Conversation state is checkpointed per conversation and survives a restart: a new process (here a new
container on the same data) continues the conversation with its history."""

from __future__ import annotations

import pytest

from agent.types import Inbound
from tests.agent.scripted_models import container, hosted_model


def _continue_after_restart(data_dir, **settings) -> None:  # noqa: ANN001
    first = hosted_model(["The Pro edition includes SSO [1]."])
    c = container(data_dir, first, **settings)
    try:
        c.runner.handle(Inbound("r-1", "Does Pro include SSO?"))
    finally:
        c.close()
    second = hosted_model(["Yes, as I said [1]."])
    c = container(data_dir, second, **settings)
    try:
        c.runner.handle(Inbound("r-1", "And is that in every region?"))
        seen = [str(m.content) for m in second.chat.calls[0][1:]]
        assert seen[0] == "Does Pro include SSO?" and "SSO" in seen[1] and seen[-1] == "And is that in every region?"
        values = c.runner.agent.get_state({"configurable": {"thread_id": "r-1"}}).values
        assert len(values["messages"]) == 4
    finally:
        c.close()


def test_sqlite_checkpoints_resume_after_a_restart(data_dir):
    _continue_after_restart(data_dir)
    assert (data_dir / "checkpoints.sqlite").exists()


@pytest.mark.postgres
def test_postgres_checkpoints_resume_after_a_restart(data_dir, pg_url):
    _continue_after_restart(data_dir, database_url=pg_url)
    assert not (data_dir / "checkpoints.sqlite").exists()

