"""Risky tool calls pause the run; a reviewer's decision in another process resumes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from langchain_core.messages import AIMessage

from app.container import Container
from tests.agent.risky_tools import set_deal_stage
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
CALL = AIMessage(content="", tool_calls=[{"name": "set_deal_stage", "args": {"deal_id": "deal-7", "stage": "won"},
                                          "id": "call-1"}])


def _pause(data_dir: Path, log: Path, conversation: str, monkeypatch):  # noqa: ANN001, ANN202
    monkeypatch.setenv("RISKY_TOOL_LOG", str(log))
    s = make_settings(data_dir)
    c = Container(s, script=[CALL], tools=[set_deal_stage])
    c.setup_database()
    reply = c.runner.handle(_inbound(conversation))
    [item] = c.queue.list(kind="tool_call")
    history = c.conversations.messages(conversation)
    c.close()
    return reply, item, history


def _inbound(conversation: str):  # noqa: ANN202
    from agent.types import Inbound

    return Inbound(conversation, "We signed! Please mark deal-7 as won.", persona="rep", channel="web")


def _decide_elsewhere(data_dir: Path, log: Path, item_id: int, decision: dict) -> dict:
    env = {**os.environ, "RISKY_TOOL_LOG": str(log), "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("SALESAGENT_")}
    out = subprocess.run([sys.executable, "-m", "tests.agent.decide_in_new_process", str(data_dir), str(item_id),
                          json.dumps(decision)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_paused_tool_call_edited_in_a_new_process_runs_with_the_edited_arguments(data_dir, tmp_path, monkeypatch):
    log = tmp_path / "calls.json"
    reply, item, history = _pause(data_dir, log, "hitl-1", monkeypatch)
    assert reply.status == "pending_review"
    assert not log.exists(), "a risky tool must not run before a reviewer decides"
    assert item.tool_call["name"] == "set_deal_stage" and item.tool_call["args"] == {"deal_id": "deal-7", "stage": "won"}
    assert history[-1].status == "pending_review" and history[-1].meta["awaiting"] == "tool_approval"

    result = _decide_elsewhere(data_dir, log, item.id, {"decision": "edit", "args": {"deal_id": "deal-7",
                                                                                     "stage": "negotiation"}})
    assert result["outbox"] == {"delivered": 1}
    calls = json.loads(log.read_text())
    assert [(c["deal_id"], c["stage"]) for c in calls] == [("deal-7", "negotiation")]
    assert calls[0]["pid"] != os.getpid(), "the tool ran in the deciding process"

    c = Container(make_settings(data_dir), tools=[set_deal_stage])
    try:
        decided = c.queue.get(item.id)
        assert decided.status == "edited" and decided.final_args == {"deal_id": "deal-7", "stage": "negotiation"}
        assert '"stage": "negotiation"' in decided.edit_diff
        messages = c.conversations.messages("hitl-1")
        assert [m.status for m in messages] == ["sent", "resolved", "sent"]
        assert messages[-1].text == "Done: I moved the deal for you."
        assert not c.runner.agent.get_state({"configurable": {"thread_id": "hitl-1"}}).interrupts
        # delivering the same decision again must not run the tool again
        assert c.runner.resume("hitl-1", item.tool_call["interrupt_id"], {"type": "approve"}) is False
        assert len(json.loads(log.read_text())) == 1
        actions = [e.action for e in c.audit.entries(subject=f"review_item:{item.id}")]
        assert actions[0] == "review.enqueued" and "review.edited" in actions and "outbox.delivered" in actions
    finally:
        c.close()


def test_rejected_tool_call_never_runs_and_the_model_hears_why(data_dir, tmp_path, monkeypatch):
    log = tmp_path / "calls.json"
    _, item, _ = _pause(data_dir, log, "hitl-2", monkeypatch)
    _decide_elsewhere(data_dir, log, item.id, {"decision": "reject", "reason": "the contract is not signed yet"})
    assert not log.exists()
    c = Container(make_settings(data_dir), tools=[set_deal_stage])
    try:
        state = c.runner.agent.get_state({"configurable": {"thread_id": "hitl-2"}}).values["messages"]
        tool_msgs = [m for m in state if m.type == "tool"]
        assert tool_msgs and "the contract is not signed yet" in tool_msgs[-1].content
    finally:
        c.close()
