"""Questions about things no document mentions get the honest answer and a person, decided in code before the
model runs; answerable questions (including typos and paraphrases) still reach the model. Demo docs, real Chroma."""

from __future__ import annotations

import pytest

from agent.grounding import NOT_DOCUMENTED
from agent.types import Inbound
from tests.agent.scripted_models import container, json_answer, small_model


@pytest.mark.parametrize("conversation, question, lang", [
    ("nd-en", "Are you FedRAMP authorized for US federal agencies?", "en"),
    ("nd-en2", "Are you PCI DSS certified?", "en"),
    ("nd-zh", "你们有没有通过 PCI DSS 认证？", "zh"),
    ("nd-zh2", "你们支持信创国产化适配吗？", "zh"),
])
def test_a_question_the_documents_never_mention_is_answered_honestly_and_handed_to_a_person(
        data_dir, conversation, question, lang):
    model = small_model([json_answer])
    c = container(data_dir, model)
    try:
        reply = c.runner.handle(Inbound(conversation, question))
        assert reply.status == "handoff" and reply.text == NOT_DOCUMENTED[lang] and reply.language == lang
        assert model.chat.calls == []  # the model never drafted anything
        [item] = [i for i in c.queue.list(kind="handoff") if i.conversation_id == conversation]
        assert item.rules == ["not_documented"]
        messages = c.runner.agent.get_state({"configurable": {"thread_id": conversation}}).values["messages"]
        assert [m.content for m in messages] == [question, NOT_DOCUMENTED[lang]]
    finally:
        c.close()


@pytest.mark.parametrize("question", [
    "How much is the Pro edition per user if we pay annually?",
    "Do you support SSO? We're ACME Corp.",  # one unknown name is a company, not an unanswerable topic
    "专业版每个用户每月多少钱？",
    "你好，我想了解一下价格",
    # the demo docs do cover these (the Databend docs do not: there they are handed off)
    "Will you sign a HIPAA BAA with us?",
    "你们有没有等保三级认证？",
    "能开增值税专用发票吗？",
])
def test_answerable_questions_still_reach_the_model(data_dir, question):
    c = container(data_dir, small_model([json_answer]))
    try:
        reply = c.runner.handle(Inbound("ans", question))
        assert reply.status != "handoff" and reply.text not in NOT_DOCUMENTED.values()
        assert not c.queue.list(kind="handoff")
    finally:
        c.close()
