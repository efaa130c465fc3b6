"""The judge: fact matching, honest "don't know", offers of a person, reply language."""

from __future__ import annotations

import pytest

from evals.scoring import (
    coverage,
    fact_present,
    honest_unknown,
    language_of,
    normalise,
    offers_human,
    percentile,
)


@pytest.mark.parametrize(("fact", "answer"), [
    ("$1.00", "It costs $1 per hour."),
    ("￥ 3.00", "每小时 ¥3。"),
    ("16-cores or above", "We recommend 16 cores or above."),
    ("8h", "Standard answers within 8 hours."),
    ("30 分钟", "首次响应 30分钟。"),
    ("15 days", "The trial lasts 15 days."),
    ("14 天", "可以免费试用 14天"),
    ("1,000", "up to 1000 events"),
    ("Data Dynamic Masking Policy", "the data dynamic masking policy is Enterprise-only"),
    ("3元", "每小时 ¥3"),
])
def test_facts_match_across_spacing_units_and_number_formats(fact, answer):
    assert fact_present(fact, answer)


@pytest.mark.parametrize(("fact", "answer"), [
    ("$1.00", "It costs $10 per hour."),
    ("8h", "within 18 hours"),
    ("15 days", "15 months"),
    ("443", "port 4433"),
])
def test_near_misses_do_not_match(fact, answer):
    assert not fact_present(fact, answer)


def test_normalising_numbers():
    assert normalise("1,000.00 USD") == "1000usd"
    assert fact_present("$1.00", "$1.00/hour") and not fact_present("$1.00", "$1.50/hour")


def test_coverage_is_the_share_of_facts_and_none_without_facts():
    assert coverage(["8h", "4h", "1h"], "8 hours, 4 hours") == pytest.approx(2 / 3)
    assert coverage([], "anything") is None


@pytest.mark.parametrize("text", [
    "I'm sorry, our documentation doesn't cover that. Would you like me to connect you with a person from our team?",
    "I don't have information about HIPAA. A colleague from our sales team can help.",
    "抱歉，我们的资料里没有这个问题的答案。需要我为您转接销售同事吗？",
    "目前资料中未提及等保三级认证，我可以帮您联系我们的销售团队确认。",
])
def test_honest_answers_with_an_offer_of_a_person(text):
    assert honest_unknown(text) and offers_human(text)


@pytest.mark.parametrize("text", [
    "Yes, Databend Cloud is HIPAA compliant and we sign BAAs.",
    "支持，我们有等保三级认证。",
])
def test_confident_inventions_are_not_honest(text):
    assert not honest_unknown(text)


def test_language_of_replies():
    assert language_of("专业版每用户每月 ¥329 [1]") == "zh"
    assert language_of("Pro costs $49 per user per month [1]") == "en"
    assert language_of("Databend Cloud 的 XSmall 集群每小时 ¥3") == "zh"


def test_percentile_interpolates_like_numpy():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) is None
