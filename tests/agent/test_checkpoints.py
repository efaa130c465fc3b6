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


def _last_checkpointed(c, conversation: str) -> str:  # noqa: ANN001
    return str(c.runner.agent.get_state({"configurable": {"thread_id": conversation}}).values["messages"][-1].content)


def test_the_checkpoint_is_rewritten_only_when_the_customer_saw_other_words(data_dir):
    # the reply only renumbers the draft's markers ([2] → [1]): the history keeps the model's own draft and the
    # turn makes no second checkpoint write (a held draft or a fallback, whose words differ, is rewritten:
    # tests/agent/test_reliability.py)
    draft = "The Pro edition includes SSO [2]."
    c = container(data_dir, hosted_model([draft]))
    try:
        reply = c.runner.handle(Inbound("v-1", "Does the Pro edition include SSO?"))
        assert reply.status == "sent" and reply.text == "The Pro edition includes SSO [1]."
        assert _last_checkpointed(c, "v-1") == draft
    finally:
        c.close()
