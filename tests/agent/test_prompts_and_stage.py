"""The system prompt: the persona's template in the customer's language, the inferred sales stage phrased
as guidance, sources to cite, and the template version recorded with each model call."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.stage import STAGES, infer_stage
from agent.types import Inbound
from agent.usage import LlmUsage
from prompts import load, stage_guidance
from tests.agent.scripted_models import container, hosted_model


@pytest.mark.parametrize("messages, stage", [
    (["Hi!"], "introduction"),
    (["你好"], "introduction"),
    (["We need a better way to track churn, our team struggles with spreadsheets"], "needs"),
    (["We are 40 seats and need to decide by next quarter; budget is approved"], "qualification"),
    (["Do you support SSO?"], "solution"),
    (["专业版多少钱？"], "solution"),
    (["How much is Pro?", "Hmm, that is too expensive for us"], "objection"),
    (["这个太贵了，我们已经在用竞品"], "objection"),
    (["Great, how do we sign the contract?"], "close"),
    (["Do you support SSO?", "ok", "thanks"], "solution"),  # no new signal: the conversation so far decides
])
def test_the_stage_is_inferred_from_what_the_customer_said(messages, stage):
    assert infer_stage(messages) == stage


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_stage_has_natural_guidance_in_both_languages(language):
    lines = {s: stage_guidance(s, language) for s in STAGES}
    assert all(len(text) > 15 for text in lines.values()), lines
    assert len(set(lines.values())) == len(STAGES)
    assert stage_guidance("haggling", language) == ""


@pytest.mark.parametrize("text, language, marker", [
    ("That sounds too expensive for our team.", "en", "They have a concern"),
    ("这个太贵了，我们预算有限。", "zh", "客户有顾虑"),
])
def test_the_reply_language_and_stage_shape_the_system_prompt(data_dir, text, language, marker):
    model = hosted_model(["ok [1]"])
    c = container(data_dir, model)
    try:
        reply = c.runner.handle(Inbound(f"p-{language}", text))
        system = str(model.chat.calls[0][0].content)
        template = load("customer", language)
        assert reply.language == language
        assert marker in system and "[1]" in system
        assert ("don't know" in system) if language == "en" else ("不知道" in system)
        with Session(c.engine) as s:
            versions = s.scalars(select(LlmUsage.prompt_version).where(LlmUsage.conversation_id == f"p-{language}"))
            assert list(versions) == [template.version]
    finally:
        c.close()


def test_templates_are_versioned_by_their_content():
    en = load("customer", "en")
    assert len(en.version) == 12 and en.version != load("customer", "zh").version
    assert en.version == type(en)(en.name, en.language, en.text).version
    assert type(en)(en.name, en.language, en.text + " ").version != en.version
