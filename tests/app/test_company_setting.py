"""SALESAGENT_COMPANY names the company in the system prompt the model sees (the demo company by default)."""

from __future__ import annotations

from agent.types import Inbound
from tests.agent.scripted_models import container, json_answer, small_model


def _system_prompt(data_dir, **settings) -> str:  # noqa: ANN001
    model = small_model([json_answer])
    c = container(data_dir, model, **settings)
    try:
        c.runner.handle(Inbound("co-1", "How much is the Pro edition?"))
        return str(model.chat.calls[0][0].content)
    finally:
        c.close()


def test_the_configured_company_is_named_in_the_system_prompt(data_dir):
    prompt = _system_prompt(data_dir, company="Databend Labs")
    assert "Databend Labs" in prompt and "Lumen Analytics" not in prompt


def test_the_demo_company_is_the_default(data_dir):
    assert "Lumen Analytics" in _system_prompt(data_dir)
