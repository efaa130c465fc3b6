"""Containers on the demo tenant with scripted models standing in for a small local model (JSON steps,
no native tool calls) or a hosted one, for the agent runtime tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from agent.llm.factory import ModelHandle
from agent.llm.scripted import ScriptedChatModel, extractive_answer
from app.container import Container
from app.demo.seed import load_tenant, seed_crm
from tests.conftest import make_settings


def small_model(script: list[Any], name: str = "tiny-local", context: int = 4096) -> ModelHandle:
    """Like the embedded model: answers in constrained JSON steps, no native tool calls."""
    return ModelHandle(ScriptedChatModel(script=list(script)), name, False, context)


def hosted_model(script: list[Any], name: str = "hosted", context: int = 32768) -> ModelHandle:
    return ModelHandle(ScriptedChatModel(script=list(script)), name, True, context)


def container(data_dir: Path, model: ModelHandle, tools: list[Any] | None = None, **settings: Any) -> Container:
    c = Container(make_settings(data_dir, **settings), model=model, tools=tools)
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    return c


def step(action: str, **fields: Any) -> str:
    return json.dumps({"action": action, **fields}, ensure_ascii=False)


def json_answer(messages: list[Any]) -> str:
    """The scripted model's grounded extractive answer, as a constrained JSON step."""
    return step("answer", text=extractive_answer(messages))
