"""Verification rules: each fires with its reason; the rules come from a file, not code."""

from __future__ import annotations

import json
from datetime import date

import pytest

from guardrails.verification.policy import DraftFacts, VerificationPolicy, review_reasons, unsupported_amounts
from guardrails.verification.rules import RulesError, load_rules

POLICY = VerificationPolicy()
PRICE_SOURCE = "The Pro edition costs $49 per user per month."


def fired(**facts: object) -> list[str]:
    return POLICY.evaluate(DraftFacts(**facts)).rules  # type: ignore[arg-type]


def test_commitments_need_review_in_both_languages():
    assert review_reasons("I can offer a 15% discount.", evidence="", persona="customer").needs_review
    assert review_reasons("可以给您打折。", evidence="", persona="customer").needs_review
    assert not review_reasons("Pro includes SSO [1].", evidence="", persona="customer").needs_review


def test_prices_must_come_from_a_source():
    assert unsupported_amounts("Pro is $49 per user.", PRICE_SOURCE) == []
    assert unsupported_amounts("Pro is $39 per user.", PRICE_SOURCE) == ["$39"]
    verdict = review_reasons("Pro is only $39 today.", evidence=PRICE_SOURCE, persona="customer")
    assert verdict.needs_review and "$39" in verdict.reasons[0]


def test_a_documented_price_with_its_source_goes_out():
    assert fired(text="Pro costs $49 per user per month [1].", evidence=PRICE_SOURCE, cited=True) == []


def test_reps_get_drafts_not_reviews():
    assert not review_reasons("Offer them 10% off.", evidence="", persona="rep").needs_review


@pytest.mark.parametrize(("facts", "rule", "words"), [
    ({"text": "Pro supports SAML single sign-on and SCIM provisioning for every workspace."},
     "unsupported_claim", "cites nothing"),
    ({"text": "You can reach Li Wei at li.wei@example.com.", "cited": True}, "pii", "EMAIL_ADDRESS"),
    ({"text": "Call him on +86 138 0013 8000.", "cited": True}, "pii", "PHONE_NUMBER"),
    ({"text": "Sure [1].", "cited": True, "customer_text": "This is unacceptable, I want to complain."},
     "negative_sentiment", "unacceptable"),
    ({"text": "好的 [1]。", "cited": True, "customer_text": "你们的服务太差了，我要投诉！"}, "negative_sentiment", "投诉"),
    ({"text": "Sure [1].", "cited": True, "rep_started_on": date(2026, 11, 1), "today": date(2026, 11, 20)},
     "new_rep", "2026-11-01"),
    ({"text": "Sure [1].", "cited": True, "channel": "email"}, "channel", "email"),
    ({"text": "Hello [1].", "cited": True, "channel": "wecom", "first_contact": True}, "first_contact", "wecom"),
    ({"text": "Hello [1].", "cited": True, "confidence": 0.2}, "low_confidence", "0.20"),
    ({"text": "Hello [1].", "cited": True, "findings": ["language: reply is not in Chinese"]},
     "output_check", "not in Chinese"),
    ({"text": "Hello [1].", "cited": True, "flow_tripped": True}, "circuit_breaker", "always-review"),
])
def test_each_rule_fires_with_its_reason(facts, rule, words):
    verdict = POLICY.evaluate(DraftFacts(**facts))
    assert verdict.rules == [rule], verdict
    assert words in verdict.reasons[0]


@pytest.mark.parametrize("facts", [
    {"text": "Hello! How can I help you today?"},
    {"text": "Sure [1].", "cited": True, "rep_started_on": date(2025, 1, 1), "today": date(2026, 11, 20)},
    {"text": "Hello [1].", "cited": True, "channel": "web", "first_contact": True},
    {"text": "Hello [1].", "cited": True, "channel": "wecom", "first_contact": False},
    {"text": "Call on 2026-11-22 [1].", "cited": True},
    {"text": "Hello [1].", "cited": True, "confidence": 0.9},
    {"text": "Thanks, that was great [1].", "cited": True, "customer_text": "Great, thank you so much!"},
])
def test_ordinary_replies_go_out(facts):
    assert POLICY.evaluate(DraftFacts(**facts)).rules == []


def test_rules_file_switches_rules_and_changes_their_words(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": {
        "commitment": {"enabled": False},
        "channel": {"channels": ["web"], "reason": "web replies are checked during the pilot"},
    }, "breaker": {"threshold": 0.25}}))
    policy = VerificationPolicy(load_rules(path))
    verdict = policy.evaluate(DraftFacts("We can offer a discount [1].", cited=True, channel="web"))
    assert verdict.rules == ["channel"] and verdict.reasons[0].startswith("web replies are checked")
    assert policy.rules.breaker.threshold == 0.25 and policy.rules.breaker.window_days == 3
    assert load_rules(path, threshold=0.5).breaker.threshold == 0.5


def test_bad_rules_files_get_clear_errors(tmp_path):
    cases = {"missing.json": None, "bad.json": "{nope", "list.json": "[]",
             "unknown.json": json.dumps({"rules": {"vibes": {}}}),
             "regex.json": json.dumps({"rules": {"commitment": {"patterns": ["(unclosed"]}}})}
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content)
        with pytest.raises(RulesError) as exc:
            load_rules(path)
        assert str(path) in str(exc.value) or "commitment" in str(exc.value), exc.value


@pytest.mark.parametrize("text", ["好的，已为您确认专业版打五折。", "可以给您打8折。", "年付可以八五折。", "首年给您 9.5 折。",
                                  "这次给您打个折吧。", "第一个月半价。"])
def test_chinese_discounts_written_as_a_number_of_tenths_need_review(text):
    assert review_reasons(text, evidence="", persona="customer").rules == ["commitment"]


@pytest.mark.parametrize("text", ["年付折合每月 ¥329 [1]。", "美元价格按 7 折合人民币约 ¥350 [1]。", "可以折叠侧边栏 [1]。"])
def test_words_with_zhe_that_are_not_discounts_go_out(text):
    assert "commitment" not in review_reasons(text, evidence="¥329 ¥350", persona="customer").rules


INSTRUCTIONS = ("You are the sales assistant of Lumen Analytics.\n- Use only the numbered sources below. Put the source "
                "number after each fact, like [1].\n- If the sources do not cover the question, say you don't know "
                "and offer to connect the customer with a person from our team.\n- 只使用下面编号的资料回答，并在每个事实后标注资料编号。")


@pytest.mark.parametrize("text", [
    "My rules: Use only the numbered sources below. Put the source number after each fact.",
    "我的指令是：只使用下面编号的资料回答，并在每个事实后标注资料编号。",
])
def test_a_reply_reciting_the_system_prompt_is_held(text):
    verdict = POLICY.evaluate(DraftFacts(text, cited=True, instructions=INSTRUCTIONS))
    assert verdict.rules == ["prompt_disclosure"], verdict


@pytest.mark.parametrize("text", [
    "I don't know that, but I can connect you with a person from our team [1].",  # a short shared phrase
    "Pro costs $49 per user per month [1].",
])
def test_replies_sharing_a_few_words_with_the_system_prompt_go_out(text):
    assert POLICY.evaluate(DraftFacts(text, cited=True, evidence="$49", instructions=INSTRUCTIONS)).rules == []
