"""The deterministic classifier for consent and data-subject requests, English and Chinese."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guardrails.consent import classify

REQUESTS = [
    ("Please stop contacting me.", "stop_contact", ()),
    ("stop emailing me", "stop_contact", ("email",)),
    ("Can you stop calling me?", "stop_contact", ("phone",)),
    ("Don't contact me again", "stop_contact", ()),
    ("unsubscribe", "unsubscribe", ()),
    ("Please remove me from your mailing list", "unsubscribe", ()),
    ("I withdraw my consent", "withdraw_all", ()),
    ("revoke all my permissions please", "withdraw_all", ()),
    ("Please delete my data.", "erase", ()),
    ("erase all of my personal information", "erase", ()),
    ("I want you to forget me", "erase", ()),
    ("Export my data please", "export", ()),
    ("What personal data do you hold about me?", "export", ()),
    ("This is a subject access request.", "export", ()),
    ("不要再联系我", "stop_contact", ()),
    ("请不要再给我打电话了", "stop_contact", ("phone",)),
    ("别再打扰我", "stop_contact", ()),
    ("退订", "unsubscribe", ()),
    ("我要取消订阅", "unsubscribe", ()),
    ("撤回授权", "withdraw_all", ()),
    ("我想撤回我的全部同意", "withdraw_all", ()),
    ("删除我的信息", "erase", ()),
    ("请把我的个人资料全部删除", "erase", ()),
    ("导出我的数据", "export", ()),
    ("你们保存了我的哪些个人信息？", "export", ()),
    ("Delete my data and stop contacting me", "erase", ()),  # the strongest request wins
]
NOT_REQUESTS = [
    "How much is the Pro edition?",
    "How do I export my data to Excel?",
    "Can I export my data from a dashboard as CSV?",
    "How do I delete my data source?",
    "Please don't delete my data",
    "如何导出我的数据到Excel？",
    "怎么删除我的数据源",
    "不要删除我的信息",
    "How do I unsubscribe a user from alerts?",
    "Stop the dashboard refresh",
    "专业版多少钱？",
    "",
]


@pytest.mark.parametrize("text,kind,channels", REQUESTS)
def test_requests_are_recognised(text, kind, channels):
    found = classify(text)
    assert found is not None, text
    assert found.kind == kind and found.channels == channels
    assert found.language == ("zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en")


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_product_questions_and_negations_are_not_requests(text):
    assert classify(text) is None


def test_what_each_revocation_revokes():
    assert set(classify("stop contacting me").purposes) == {"sales_followup", "marketing"}
    assert classify("unsubscribe").purposes == ("marketing",)
    assert "service" in classify("撤回授权").purposes and "case_learning" in classify("撤回授权").purposes
    assert classify("delete my data").purposes == ()


@given(st.text(max_size=300))
def test_never_raises(text):
    result = classify(text)
    assert result is None or result.kind in ("erase", "export", "withdraw_all", "stop_contact", "unsubscribe")
