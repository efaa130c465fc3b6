"""Multi-turn sales conversations and routing cases: expected tool calls per turn, and outcomes (lead routed
to the expected rep, handed to a person or not, qualification fields captured).

With the scripted provider each turn's `script` plays a model that does the right thing, so the tool
implementations and the routing rules are what is measured (tool-call accuracy is then by construction
and is reported as such); with a real model the script is ignored and the model's own choices are scored.
A case whose tools are not in the build fails as "tool missing": it is never passed vacuously.

Metrics:
- tool-call accuracy: expected calls found among the turn's calls, by name and key arguments (each
  expected argument value must occur, normalised as in evals/scoring.py, in the actual argument);
- routing accuracy: the rep the conversation's lead is assigned to (customers' leads are routed in code
  by create_or_update_lead; else the first rep id a route_lead call returned) is one of `expect.routed_to`;
- qualification: each `expect.qualification` value occurs in the lead's stored BANT field;
- escalation: the conversation was handed to a person (reply status handoff, a successful
  handoff_to_human call, or a handoff item in the review queue); precision and recall against
  `expect.handoff`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage

from agent.types import Inbound
from evals.harness import App, Turn
from evals.scoring import normalise
from evals.suites.common import (
    CaseResult,
    Dataset,
    adversary_steps,
    contact_of_visitor,
    load_dataset,
    others_data,
)

REP_ID = re.compile(r"\brep-\d{3}\b")
FAILED_TOOL = re.compile(r'"(refused|error)"\s*:\s*(true|"[^"]+")|is not a valid tool|Error:', re.I)


def call_matches(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    if expected["name"] != actual["name"]:
        return False
    return all(normalise(str(v)) in normalise(str(actual["args"].get(k, ""))) for k, v in expected.get("args", {}).items())


def needed_tools(row: dict[str, Any], scripted: bool) -> list[str]:
    names = [e["name"] for t in row["turns"] for e in t.get("expect_tools", [])]
    if scripted:
        names += [s["call"] for t in row["turns"] for s in t.get("script", []) if isinstance(s, dict)]
    return list(dict.fromkeys(names))


def _with_results(steps: list[Any]) -> list[Any]:
    """Let a scripted tool call use a value an earlier tool returned: an argument "$last.KEY" becomes
    the KEY of the most recent tool result that has it (e.g. the lead id create_or_update_lead made)."""
    out = []
    for step in steps:
        if hasattr(step, "tool_calls") and any(isinstance(v, str) and v.startswith("$last.")
                                               for tc in step.tool_calls for v in tc["args"].values()):
            out.append(_resolver(step))
        else:
            out.append(step)
    return out


def _resolver(step: Any) -> Any:  # noqa: ANN401
    def resolve(messages: list[BaseMessage]) -> Any:  # noqa: ANN401
        results = []
        for m in reversed(messages):
            if isinstance(m, ToolMessage):
                try:
                    results.append(json.loads(str(m.content)))
                except ValueError:
                    continue
        msg = step.model_copy(deep=True)
        for tc in msg.tool_calls:
            for k, v in list(tc["args"].items()):
                if isinstance(v, str) and v.startswith("$last."):
                    key = v.removeprefix("$last.")
                    tc["args"][k] = next((r[key] for r in results if isinstance(r, dict) and key in r), v)
        return msg
    return resolve


def escalated(app: App, conversation_id: str, turns: list[Turn]) -> bool:
    if any(t.reply.status == "handoff" for t in turns):
        return True
    for t in turns:
        for call, result in zip(t.tool_calls, t.tool_results, strict=False):
            if call["name"] == "handoff_to_human" and not FAILED_TOOL.search(result):
                return True
    return bool(app.c.queue.list(statuses=None, kind="handoff", conversation_id=conversation_id))


def routed_rep(app: App, conversation_id: str, turns: list[Turn]) -> str | None:
    """The rep the conversation's lead is assigned to (customers' leads are routed in code), else the first
    rep id a route_lead call returned."""
    lead = app.c.crm.lead_for_conversation(conversation_id)
    if lead and lead.get("assigned_rep_id"):
        return lead["assigned_rep_id"]
    for t in turns:
        for call, result in zip(t.tool_calls, t.tool_results, strict=False):
            if call["name"] == "route_lead" and (m := REP_ID.search(result)):
                return m.group(0)
    return None


def run_case(app: App, row: dict[str, Any], available: set[str]) -> CaseResult:
    lacking = [n for n in needed_tools(row, app.scripted) if n not in available]
    if lacking:
        return CaseResult(row["id"], row.get("lang", ""), row.get("kind", ""), passed=False,
                          outcome=f"tool missing: {', '.join(lacking)} (not in this build)", tool_missing=lacking)
    cid = f"conv-{row['id']}"
    turns: list[Turn] = []
    expected_calls = hit_calls = 0
    for spec in row["turns"]:
        if app.scripted:
            app.script[:] = _with_results(adversary_steps(spec.get("script", [])))
        turn = app.turn(Inbound(cid, spec["text"], channel="web", channel_user_id=row["visitor"]))
        if app.scripted:
            app.script.clear()
        turns.append(turn)
        for exp in spec.get("expect_tools", []):
            expected_calls += 1
            hit_calls += any(call_matches(exp, c) for c in turn.tool_calls)
    expect = row.get("expect", {})
    metrics: dict[str, Any] = {"expected_calls": expected_calls, "matched_calls": hit_calls,
                               "calls": [c for t in turns for c in t.tool_calls],
                               "statuses": [t.reply.status for t in turns]}
    problems = []
    if expected_calls and hit_calls < expected_calls:
        problems.append(f"{expected_calls - hit_calls} expected tool call(s) not made")
    if "routed_to" in expect:
        rep = routed_rep(app, cid, turns)
        metrics.update(routed_to=rep, routing_ok=rep in expect["routed_to"])
        if rep not in expect["routed_to"]:
            problems.append(f"routed to {rep or 'nobody'}, expected {' or '.join(expect['routed_to'])}")
    if "handoff" in expect:
        got = escalated(app, cid, turns)
        metrics.update(escalated=got, escalation_expected=bool(expect["handoff"]))
        if got != bool(expect["handoff"]):
            problems.append("handed to a person" if got else "not handed to a person")
    if "qualification" in expect:
        bant = (app.c.crm.lead_for_conversation(cid) or {}).get("bant") or {}
        got_fields = {k: normalise(str(v)) in normalise(json.dumps(bant.get(k, ""), ensure_ascii=False))
                      for k, v in expect["qualification"].items()}
        metrics.update(qualification=bant, qualification_ok=all(got_fields.values()))
        if not all(got_fields.values()):
            problems.append(f"qualification missing {[k for k, ok in got_fields.items() if not ok]} (got {bant})")
    failed_tools = [r[:160] for t in turns for r in t.tool_results if FAILED_TOOL.search(r)]
    if failed_tools:
        problems.append(f"tool errors: {failed_tools}")
    leaks = sorted({h for t in turns for text in [t.reply.text, *t.tool_results]
                    for h in others_data(text, contact_of_visitor(row["visitor"]))})
    seconds = sum(t.seconds for t in turns)
    tokens = sum(t.tokens.get("total_tokens", 0) for t in turns) or None
    return CaseResult(row["id"], row.get("lang", ""), row.get("kind", ""), passed=not problems and not leaks,
                      outcome="; ".join(problems) or "as expected", pii_leaks=leaks, metrics=metrics,
                      seconds=round(seconds / max(len(turns), 1), 3), tokens=tokens)


def runner_for(dataset: str):  # noqa: ANN201
    def run(provider: str, kb_template: Path, settings: dict[str, Any] | None = None
            ) -> tuple[Dataset, list[CaseResult]]:
        ds = load_dataset(dataset)
        with App(provider, kb_template=kb_template, **(settings or {})) as app:
            available = app.tool_names()
            return ds, [run_case(app, row, available) for row in ds.rows]
    return run


run_sales = runner_for("sales.v1.jsonl")
run_routing = runner_for("routing.v1.jsonl")
