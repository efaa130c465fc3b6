"""Run as a separate process: a reviewer decides a paused tool call; the worker resumes the run.

    python -m tests.agent.decide_in_new_process DATA_DIR ITEM_ID DECISION_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.container import Container
from app.settings import Settings
from guardrails.access import Principal
from tests.agent.risky_tools import set_deal_stage


def main(data_dir: str, item_id: int, decision: dict) -> None:
    c = Container(Settings(_env_file=None, data_dir=Path(data_dir), llm_provider="scripted"),
                  script=["Done: I moved the deal for you."], tools=[set_deal_stage])
    try:
        c.desk.decide(Principal("reviewer", "bob"), item_id, decision["decision"], args=decision.get("args"),
                      reason=decision.get("reason", ""))
        handled = c.worker().drain(timeout=60)
        print(json.dumps({"handled": handled, "outbox": c.outbox.counts()}))
    finally:
        c.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]))
