"""The scanner on real Presidio with our recognizers: each PII type in EN and ZH, the distractors that
must stay untouched, mixed-language text, and bad input."""

from __future__ import annotations

import time

import pytest

from guardrails.pii import MAX_SCAN_CHARS, TextTooLong, get_scanner
from guardrails.pii.validators import cn_id_check_char, cn_id_ok, luhn_ok


@pytest.fixture(scope="module")
def scanner():  # noqa: ANN201
    return get_scanner()


def found(scanner, text: str, lang: str | None = None) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(text[s.start:s.end], s.type) for s in scanner.scan(text, lang)]


@pytest.mark.parametrize(("text", "value", "kind"), [
    ("Hi, my name is Daniel Okafor, ops lead.", "Daniel Okafor", "PERSON"),
    ("Please loop in Rachel Webb, our CFO.", "Rachel Webb", "PERSON"),
    ("您好，我是王建国，想了解专业版。", "王建国", "PERSON"),
    ("请联系我们财务欧阳明轩。", "欧阳明轩", "PERSON"),
    ("Call me at (415) 555-0132 after 3pm.", "(415) 555-0132", "PHONE_NUMBER"),
    ("手机13812345678，谢谢", "13812345678", "PHONE_NUMBER"),
    ("电话 +86 138 1234 5678", "+86 138 1234 5678", "PHONE_NUMBER"),
    ("座机010-62345678", "010-62345678", "PHONE_NUMBER"),
    ("手机１３８１２３４５６７８", "１３８１２３４５６７８", "PHONE_NUMBER"),  # full-width digits
    ("London office +44 20 7946 0123.", "+44 20 7946 0123", "PHONE_NUMBER"),
    ("邮箱wjg@yunfan.example.cn谢谢", "wjg@yunfan.example.cn", "EMAIL_ADDRESS"),
    ("身份证110105199003071239", "110105199003071239", "CN_RESIDENT_ID"),
    ("SSN 123-45-6789 for the form", "123-45-6789", "US_SSN"),
    ("card 4111 1111 1111 1111 exp 09/27", "4111 1111 1111 1111", "CREDIT_CARD"),
    ("银行卡号6222021234567890128", "6222021234567890128", "CREDIT_CARD"),
    ("加我微信：lily_chen88", "lily_chen88", "WECHAT_ID"),
    ("my WeChat is sunnyday", "sunnyday", "WECHAT_ID"),
    ("whitelist 10.2.33.4 please", "10.2.33.4", "IP_ADDRESS"),
    ("IPv6 2001:db8:cd1d::1768 too", "2001:db8:cd1d::1768", "IP_ADDRESS"),
    ("Ship to 1450 Maple Avenue, Suite 300, Denver, CO 80203.", "1450 Maple Avenue, Suite 300, Denver, CO 80203",
     "STREET_ADDRESS"),
    ("寄到上海市浦东新区张江路123号5栋1202室，谢谢", "上海市浦东新区张江路123号5栋1202室", "STREET_ADDRESS"),
])
def test_each_type_is_found_with_exact_offsets(scanner, text, value, kind):  # noqa: ANN001
    assert (value, kind) in found(scanner, text)


def test_cn_id_and_card_validators():
    first17 = "11010519900307123"
    assert cn_id_ok(first17 + cn_id_check_char(first17))
    assert not cn_id_ok(first17 + ("0" if cn_id_check_char(first17) != "0" else "1"))
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


@pytest.mark.parametrize("text", [
    "Order SO-2025-00871 was charged $1,299.00 on 2025-06-18.",
    "订单号2024061812345678，金额¥3,999，SKU LX-PRO-500，数量50个账号。",
    "设备序列号110105199003071234，保修还在吗？",  # 18 digits, wrong ID check character
    "Tracking number 4111 1111 1111 1112 is stuck.",  # 16 digits failing Luhn
    "物流单号6222021234567890127一直没更新",
    "Version 2.4.1 broke the export, see ticket INV-2024-0087.",
    "We need 50 seats for 3 years starting March 6, 2027.",
    "王总说下周三过来开会，李经理也来。",
    "谢谢！需要加白名单吗？方便的话明天聊。",
    "We're evaluating Lumen Pro vs Starter for our team.",
])
def test_distractors_are_not_flagged(scanner, text):  # noqa: ANN001
    assert found(scanner, text) == []


def test_mixed_language_message_is_scanned_for_both(scanner):  # noqa: ANN001
    text = "我叫 Hannah Novak，电话 13769205232, my colleague 孙子涵 will sign. Ship to 22 Oak Street, Austin, TX."
    hits = found(scanner, text)
    assert ("Hannah Novak", "PERSON") in hits and ("孙子涵", "PERSON") in hits
    assert ("13769205232", "PHONE_NUMBER") in hits
    assert ("22 Oak Street, Austin, TX", "STREET_ADDRESS") in hits


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀🎉👍", "\ud800 lone \udfff surrogates", "0" * 200,
                                  "１２３４５６７８９０", "ababab" * 50, "\x00\x01\x02", "<PERSON_1> <EMAIL_ADDRESS_2>"])
def test_bad_input_never_raises_and_spans_are_in_bounds(scanner, text):  # noqa: ANN001
    spans = scanner.scan(text)
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert spans == sorted(spans)


def test_all_digits_is_not_a_phone_number(scanner):  # noqa: ANN001
    assert found(scanner, "1234567890123456789012345678901234567890") == []


def test_one_megabyte_is_refused_at_once_with_a_clear_error(scanner):  # noqa: ANN001
    started = time.perf_counter()
    with pytest.raises(TextTooLong, match="limit is 100,000"):
        scanner.scan("a" * 1_000_000)
    assert time.perf_counter() - started < 0.5
    scanner.scan("x" * MAX_SCAN_CHARS)  # the limit itself is accepted


def test_a_text_seen_before_is_answered_from_memory_that_holds_no_values(scanner, monkeypatch):  # noqa: ANN001
    text = "Call Wang Lei on 138 1234 5678 about the renewal — order SO-20260114"
    first = scanner.scan(text)
    calls = []
    monkeypatch.setattr(scanner, "_scan", lambda *a: calls.append(a) or [])
    assert scanner.scan(text) == first and calls == []  # the same answer, without running the analyzer
    assert scanner.scan(text, "zh") == [] and len(calls) == 1  # another language hint is another question
    remembered = repr(list(scanner._seen.items()))
    assert "138 1234 5678" not in remembered and "Wang" not in remembered
