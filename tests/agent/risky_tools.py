"""A risky tool for the approval tests: it records the arguments it actually ran with in a file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from langchain_core.tools import tool


@tool("set_deal_stage")
def set_deal_stage(deal_id: str, stage: str) -> str:
    """Move a deal to another stage (won, lost, negotiation)."""
    path = Path(os.environ["RISKY_TOOL_LOG"])
    calls = json.loads(path.read_text()) if path.exists() else []
    calls.append({"deal_id": deal_id, "stage": stage, "pid": os.getpid()})
    path.write_text(json.dumps(calls))
    return json.dumps({"ok": True, "deal_id": deal_id, "stage": stage})


set_deal_stage.metadata = {"purpose": "sales_followup", "data_categories": ["purchase_history"], "risky": True}
