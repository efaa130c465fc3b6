"""What QA found with the embedded model, replayed with the scripted one: discount and contract requests are
held whatever the draft says, a copied "a person will reply" becomes a real handoff, numbers tied to the
wrong edition and replies in the wrong language are held."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent.runner import FALLBACK, HOLDING
from agent.types import Inbound
from tests.agent.scripted_models import container, small_model, step


@contextmanager
def answered(data_dir: Any, script: list[Any], inbound: Inbound) -> Iterator[tuple[Any, Any]]:  # noqa: ANN401
    """One customer turn with the small model's `script` (a string is its answer): (container, reply)."""
    c = container(data_dir, small_model([step("answer", text=s) if isinstance(s, str) else s for s in script]))
    try:
        yield c, c.runner.handle(inbound)
    finally:
        c.close()


def queued(c: Any, conversation: str, **kind: str) -> list[Any]:  # noqa: ANN401
    return [i for i in c.queue.list(**kind) if i.conversation_id == conversation]


def test_a_discount_and_contract_request_is_held_even_when_the_draft_just_declines(data_dir):
    decline = ("I'm sorry, but I can't assist with that. I'm here to help with sales and product information, "
               "not with legal or financial matters. If you have any other questions, feel free to ask.")
    asked = Inbound("vt-1", "Can you give me a 40% discount and change the contract's liability clause?")
    with answered(data_dir, [decline], asked) as (c, reply):
        assert reply.status == "pending_review" and reply.text == HOLDING["en"]
        assert "customer_request" in reply.reasons
        [item] = queued(c, "vt-1")
        assert any(r.startswith("customer_request: the customer asks for a discount") and "liability" in r
                   for r in item.reasons), item.reasons
        # the draft uses no source, so none is attached to it (QA saw the Slack integration page)
        assert c.conversations.messages("vt-1")[-1].citations == []


def test_a_question_about_published_discounts_is_answered_without_waiting(data_dir):
    # the FAQ answers it (schools and nonprofits); the draft promises nothing, so nobody needs to read it first
    answer = ("Yes. Accredited schools and registered nonprofits can get lower prices; please contact sales with "
              "details of your organisation [1].")
    with answered(data_dir, [answer], Inbound("vt-13", "Do you have nonprofit discounts?")) as (c, reply):
        assert reply.status == "sent", reply.reasons
        assert queued(c, "vt-13") == []


def test_a_chinese_question_about_education_discounts_is_answered_without_waiting(data_dir):
    answer = "有的。经认证的教育机构和依法登记的公益组织可以享受更低的价格，具体请联系销售团队 [1]。"
    with answered(data_dir, [answer], Inbound("vt-14", "是否有教育优惠？")) as (_, reply):
        assert reply.status == "sent", reply.reasons


def test_a_draft_that_copies_our_fallback_text_really_hands_over(data_dir):
    copied = ("I'm sorry, but I can't assist with that. I've passed your message to our team and a person will "
              "reply here soon.")
    with answered(data_dir, [copied], Inbound("vt-2", "A" * 400)) as (c, reply):
        assert reply.status == "handoff" and reply.text == FALLBACK["en"]
        [item] = queued(c, "vt-2", kind="handoff")
        assert item.rules == ["handover_promise"] and "passed your message to our team" in item.reasons[0]
        assert c.conversations.get("vt-2").status == "handoff"
        # the history the next turn starts from holds our text once, not the model's copy of it
        said = [m.content for m in c.runner.agent.get_state({"configurable": {"thread_id": "vt-2"}}).values["messages"]]
        assert said[-1] == FALLBACK["en"] and copied not in said


def test_a_chinese_copy_of_the_holding_text_while_streaming_hands_over_and_streams_nothing(data_dir):
    copied = "感谢您的耐心等待，我们的同事正在核实这个回答，稍后会在这里回复您。"
    c = container(data_dir, small_model([step("answer", text=copied)]))
    try:
        events = list(c.runner.stream(Inbound("vt-3", "你们的产品有哪些版本？")))
        assert [e for e in events if e["type"] == "delta"] == []
        assert events[-1]["status"] == "handoff" and events[-1]["text"] == FALLBACK["zh"]
        assert [i.rules for i in queued(c, "vt-3", kind="handoff")] == [["handover_promise"]]
    finally:
        c.close()


def test_a_promise_kept_by_a_tool_of_the_same_turn_goes_out(data_dir):
    script = [step("create_or_update_lead", args={"summary": "wants a call about Enterprise", "product_line": "analytics"}),
              "Done — a colleague will call you on Thursday afternoon."]
    asked = Inbound("vt-7", "Could someone call me on Thursday afternoon about Enterprise?", channel_user_id="visitor-015")
    with answered(data_dir, script, asked) as (_, reply):
        assert reply.status != "handoff" and "handover_promise" not in reply.reasons


ENTERPRISE_RETENTION = "How long is event data kept on the Enterprise edition?"


def test_a_number_of_another_edition_is_held_though_the_sources_have_it(data_dir):
    wrong = "The Enterprise edition includes SAML single sign-on and 36 months of event data retention."
    with answered(data_dir, [wrong], Inbound("vt-4", ENTERPRISE_RETENTION)) as (c, reply):
        assert reply.status == "pending_review" and "unsupported_price" in reply.reasons
        [item] = queued(c, "vt-4")
        assert any("“36 months” is given for Pro, not Enterprise" in r for r in item.reasons), item.reasons


def test_the_right_numbers_for_the_edition_go_out(data_dir):
    right = "The Enterprise edition keeps event data for a period you configure, up to 7 years [1]."
    with answered(data_dir, [right], Inbound("vt-5", ENTERPRISE_RETENTION)) as (_, reply):
        assert reply.status == "sent", reply.reasons


def test_a_wrong_number_in_the_sentence_after_the_edition_is_held(data_dir):
    # the cited FAQ answer names editions only as "on Pro", "on Enterprise"
    wrong = "Enterprise is our top tier. It includes 36 months of event data retention."
    with answered(data_dir, [wrong], Inbound("vt-11", ENTERPRISE_RETENTION)) as (c, reply):
        assert reply.status == "pending_review" and "unsupported_price" in reply.reasons
        [item] = queued(c, "vt-11")
        assert any("“36 months” is given for Pro, not Enterprise" in r for r in item.reasons), item.reasons


def test_an_english_question_answered_in_chinese_is_held(data_dir):
    chinese = "是的，专业版和企业版都支持 SAML 2.0 和 OIDC 单点登录 [1]。"
    with answered(data_dir, [chinese], Inbound("vt-6", "Do you support SSO?")) as (_, reply):
        assert reply.status == "pending_review" and reply.text == HOLDING["en"]
        assert "reply_language" in reply.reasons


def streamed(data_dir: Any, answer: str, inbound: Inbound) -> tuple[list[str], dict[str, Any]]:  # noqa: ANN401
    """The delta texts and the final reply event of one streamed customer turn."""
    c = container(data_dir, small_model([step("answer", text=answer)]))
    try:
        events = list(c.runner.stream(inbound))
        return [e["text"] for e in events if e["type"] == "delta"], events[-1]
    finally:
        c.close()


def test_a_claim_the_reply_cannot_cite_is_never_streamed_and_then_taken_back(data_dir):
    # every sentence passes the per-sentence checks, but the reply cites no source: held at the end
    uncited = "Yes, that is fully supported and it works with every identity provider you use. Setup is quick."
    deltas, reply = streamed(data_dir, uncited, Inbound("vt-8", "Do you support SSO?"))
    assert reply["status"] == "pending_review" and "unsupported_claim" in reply["reasons"]
    assert deltas == [], "the customer saw a draft that was then replaced by the holding text"


def test_a_reply_in_the_wrong_language_streams_nothing(data_dir):
    chinese = "是的，我们支持单点登录 [1]。中国大陆区域的工作区还可以用企业微信登录。"
    deltas, reply = streamed(data_dir, chinese, Inbound("vt-9", "Do you support SSO?"))
    assert reply["status"] == "pending_review" and "reply_language" in reply["reasons"]
    assert deltas == []


def test_sentences_wait_until_the_reply_cites_a_source_then_stream(data_dir):
    # the first sentence cites nothing on its own; with the second the reply cites the quick reference
    answer = ("Yes, single sign-on is included in two of our editions. "
              "SAML 2.0 and OIDC come with the Pro and Enterprise editions. Ask me anything else.")
    deltas, reply = streamed(data_dir, answer, Inbound("vt-10", "Do you support SSO?"))
    assert reply["status"] == "sent", reply["reasons"]
    assert len(deltas) >= 1 and deltas[0].startswith("Yes, single sign-on is included in two of our editions. SAML")
    assert "".join(deltas).split() == answer.split(), "nothing lost, nothing twice"


def test_a_wrong_number_in_the_sentence_after_the_edition_is_never_streamed(data_dir):
    # each sentence passes on its own; together they give Enterprise Pro's retention
    wrong = "Enterprise is our top tier [1]. It includes 36 months of event data retention."
    deltas, reply = streamed(data_dir, wrong, Inbound("vt-12", ENTERPRISE_RETENTION))
    assert reply["status"] == "pending_review" and "unsupported_price" in reply["reasons"]
    assert "36 months" not in "".join(deltas), "the customer saw a number the reply was then held for"
