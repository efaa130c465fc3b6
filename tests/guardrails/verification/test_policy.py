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


# --- the customer's own request, edition facts, handover promises, reply language ------------------------

@pytest.mark.parametrize("asked", [
    "Can you give me a 40% discount and change the contract's liability clause?",
    "I want a 40% discount and a change to the liability clause of our contract, please.",
    "Could we get special pricing if we sign for three years?",
    "Can we use our own MSA instead of your terms?",
    "能不能再便宜点？给我们打八折吧。",
    "我们想修改合同里的赔偿条款。",
])
def test_a_customer_asking_for_a_discount_or_contract_terms_is_held_whatever_the_draft_says(asked):
    # the drafts the model wrote in QA: no commitment word, so only the customer's message can tell
    for draft in ["I'm here to help with sales and product information, not with legal or financial matters.",
                  "Thank you for your interest in Lumen Analytics, we are glad to help."]:
        verdict = POLICY.evaluate(DraftFacts(draft, cited=True, customer_text=asked))
        assert verdict.rules[0] == "customer_request", verdict  # (the Chinese ones are in the wrong language too)
        assert verdict.reasons[0].startswith("customer_request: the customer asks for a discount")


@pytest.mark.parametrize("asked", ["How much is the Pro edition?", "What uptime do you commit to on Pro?",
                                   "We have a budget of $15k for about 20 users.", "专业版多少钱？", "支持哪些单点登录协议？"])
def test_ordinary_questions_are_no_customer_request(asked):
    assert "customer_request" not in POLICY.evaluate(DraftFacts("Sure [1].", cited=True, customer_text=asked)).rules


@pytest.mark.parametrize("asked", [
    "Can you give me 20% off?",
    "We need a discount.",
    "Could we get the nonprofit discount?",
    "Is there any extra discount for us?",
    "What's the best discount you can do?",
    "Any chance of a discount if we sign today?",
    "Do you have nonprofit discounts? We want one.",  # the ask is in the next sentence
    "Discount?",  # no question about our offers, so a person reads it
    "We're a school and would like education pricing.",
    "能不能便宜点？",
    "给我们打个折吧。",
    "可以优惠一点吗？",
    "我们想要教育优惠。",
    "优惠多少？",
    "有没有更大的折扣？",
    "我们学校能享受教育优惠吗？",
    "有教育优惠吗？我们要申请。",
])
def test_asking_for_a_concession_is_a_customer_request(asked):
    verdict = POLICY.evaluate(DraftFacts("Sure [1].", cited=True, customer_text=asked))
    assert "customer_request" in verdict.rules, verdict
    assert any(r.startswith("customer_request: ") and "the customer wrote “" in r for r in verdict.reasons)


@pytest.mark.parametrize("asked", [
    "do you have nonprofit discounts?",
    "Is there an education discount?",
    "What discounts are there for annual billing?",
    "Are there any discounts for universities?",
    "Does the education discount apply to the Pro edition?",
    "Can nonprofits get a discount?",
    "I'd like to know if there is a student discount.",
    "Hi! We're a charity in Berlin. Do you offer special pricing for nonprofits?",
    "有没有教育优惠？",
    "是否有教育优惠？",
    "学校和公益组织有优惠吗？",
    "你们有哪些优惠政策？",
    "请问公益组织有折扣吗？",
    "教育优惠怎么申请？",
    "我们是一所大学，有教育优惠吗？",
    "年付有没有打折？",
])
def test_asking_about_published_offers_is_no_customer_request(asked):
    verdict = POLICY.evaluate(DraftFacts("Sure [1].", cited=True, customer_text=asked))
    assert "customer_request" not in verdict.rules, verdict


@pytest.mark.parametrize(("asked", "draft", "rule"), [
    ("Is there an education discount?", "Yes, and I can give your school 30% off [1].", "commitment"),
    ("有没有教育优惠？", "有的，可以给您打八折 [1]。", "commitment"),
    ("Do you have nonprofit discounts?", "Nonprofits pay $29 per user per month on Pro [1].", "unsupported_price"),
])
def test_a_draft_granting_or_inventing_a_discount_is_held_though_the_customer_only_asked(asked, draft, rule):
    verdict = POLICY.evaluate(DraftFacts(draft, cited=True, customer_text=asked, evidence=PRICE_SOURCE))
    assert "customer_request" not in verdict.rules and rule in verdict.rules, verdict


@pytest.mark.parametrize("rule", [
    {"patterns": ["\\bdiscount\\w*"]},  # a rules file written before offer_patterns existed
    {"patterns": [], "offer_patterns": ["\\bdiscount\\w*"]},  # offer words without the question shapes
])
def test_a_rules_file_without_question_patterns_holds_every_offer_word(tmp_path, rule):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": {"customer_request": rule}}))
    verdict = VerificationPolicy(load_rules(path)).evaluate(
        DraftFacts("Sure [1].", cited=True, customer_text="Is there an education discount?"))
    assert verdict.rules == ["customer_request"], verdict


EDITIONS = """| Edition | Billed annually | Billed monthly | Minimum users | Maximum users |
|---|---|---|---|---|
| Starter | $19 | $24 | 3 | 25 |
| Pro | $49 | $59 | 5 | No limit |
| Enterprise | Custom quote, from $30,000 per year | Not available | 25 | No limit |

| Feature | Starter | Pro | Enterprise |
|---|---|---|---|
| Event data retention | 12 months | 36 months | Configurable, up to 7 years |
| Uptime SLA | None (99.5% target) | 99.9% | 99.95% |

Every new company can try Lumen free for 14 days. The trial runs on the Pro edition.
12 months on Starter, 36 months on Pro, and on Enterprise a retention period you configure, up to 7 years."""
FAQ_RETENTION = ("How long do you keep my event data?\n12 months on Starter, 36 months on Pro, and on Enterprise a "
                 "retention period you configure, up to 7 years.")
EDITIONS_ZH = """Lumen 提供基础版（Starter）、专业版（Pro）和企业版（Enterprise）三个版本。
| 功能 | 基础版 | 专业版 | 企业版 |
|---|---|---|---|
| 事件数据保留期 | 12 个月 | 36 个月 | 可配置，最长 7 年 |
中国大陆以外的客户：基础版年付 $19、月付 $24；专业版年付 $49、月付 $59（均为每用户每月）；企业版每年 $30,000 起。"""


@pytest.mark.parametrize(("draft", "evidence", "words"), [
    ("The Enterprise edition includes SSO and 36 months of event data retention [1].", EDITIONS,
     "“36 months” is given for Pro, not Enterprise"),
    ("The Basic edition allows up to 100 users [1].", EDITIONS, "“Basic edition”: no source names it"),
    ("The Pro edition comes with a 99.95% uptime SLA [1].", EDITIONS, "“99.95%” is given for Enterprise, not Pro"),
    ("The Starter edition costs $19 annually [1].", EDITIONS, "“$19” a year"),
    ("企业版的数据保留期是 36 个月 [1]。", EDITIONS_ZH, "“36 个月” is given for Pro, not Enterprise"),
])
def test_a_number_tied_to_another_edition_or_an_unknown_edition_is_held(draft, evidence, words):
    verdict = POLICY.evaluate(DraftFacts(draft, cited=True, evidence=evidence))
    assert verdict.rules == ["unsupported_price"], verdict
    assert words in verdict.reasons[0]


@pytest.mark.parametrize(("draft", "evidence"), [
    ("The Pro edition costs $49 per user per month, billed annually [1].", EDITIONS),
    ("Starter is $19 per user per month billed annually, for 3 to 25 users [1].", EDITIONS),
    ("Enterprise keeps event data for up to 7 years, Pro for 36 months [1].", EDITIONS),
    ("Pro has a 99.9% uptime SLA and Enterprise 99.95% [1].", EDITIONS),
    ("Enterprise starts at $30,000 per year [1].", EDITIONS),
    ("The 14-day trial runs on the Pro edition [1].", EDITIONS),  # the number names no edition in the source
    ("专业版年付 $49，企业版每年 $30,000 起 [1]。", EDITIONS_ZH),
    ("基础版的数据保留 12 个月 [1]。", EDITIONS_ZH),
])
def test_numbers_the_sources_give_for_the_same_edition_go_out(draft, evidence):
    assert POLICY.evaluate(DraftFacts(draft, cited=True, evidence=evidence)).rules == []


@pytest.mark.parametrize(("draft", "evidence", "words"), [
    ("Enterprise is our top tier. It includes 36 months of retention [1].", EDITIONS,
     "“36 months” is given for Pro, not Enterprise"),
    ("The Pro edition suits most teams [1]. This plan comes with a 99.95% uptime SLA [1].", EDITIONS,
     "“99.95%” is given for Enterprise, not Pro"),
    ("Enterprise is our top tier. It adds SCIM [1]. They keep event data for 36 months [1].", EDITIONS,
     "“36 months” is given for Pro, not Enterprise"),  # a chain of references still speaks of Enterprise
    ("Starter is our entry edition [1]. Also, it keeps event data for 7 years [1].", EDITIONS,
     "“7 years” is given for Enterprise, not Starter"),
    ("Enterprise is our top tier. It keeps event data for 48 months [1].", EDITIONS,
     "“48 months” for Enterprise is in no source"),
    ("企业版是我们功能最全的版本 [1]。它的数据保留期是 36 个月 [1]。", EDITIONS_ZH, "“36 个月” is given for Pro, not Enterprise"),
    ("企业版是我们功能最全的版本 [1]。该版本的数据保留期是 36 个月 [1]。", EDITIONS_ZH,
     "“36 个月” is given for Pro, not Enterprise"),
    ("基础版适合小团队 [1]。此外，其数据保留期为 36 个月 [1]。", EDITIONS_ZH, "“36 个月” is given for Pro, not Starter"),
    # the FAQ passage alone names no edition as such: the draft calling Enterprise a tier makes it one
    ("Enterprise is our top tier. It includes 36 months of retention.", FAQ_RETENTION,
     "“36 months” is given for Pro, not Enterprise"),
])
def test_a_sentence_going_on_about_the_edition_before_it_is_held_for_its_numbers(draft, evidence, words):
    verdict = POLICY.evaluate(DraftFacts(draft, cited=True, evidence=evidence))
    assert verdict.rules == ["unsupported_price"], verdict
    assert words in verdict.reasons[0]


@pytest.mark.parametrize(("draft", "evidence"), [
    ("Enterprise is our top tier. It keeps event data for up to 7 years [1].", EDITIONS),
    ("Enterprise is our top tier. It keeps event data for up to 7 years [1].", FAQ_RETENTION),
    ("Pro costs $49 per user per month [1]. It needs at least 5 users [1].", EDITIONS),
    ("Pro and Enterprise include SSO [1]. They keep event data for 36 months or more [1].", EDITIONS),
    # a sentence that opens with a subject of its own inherits nothing
    ("Enterprise is our top tier [1]. The trial lasts 14 days [1].", EDITIONS),
    ("Enterprise is our top tier [1]. Pro keeps event data for 36 months [1].", EDITIONS),
    ("Enterprise is our top tier [1]. Starter and Pro are 12 and 36 months [1].", EDITIONS),
    ("Enterprise is our top tier [1]. Event data on Pro is kept 36 months [1].", EDITIONS),
    ("Enterprise is our top tier [1]. Setup takes 14 days. It keeps 36 months of data [1].", EDITIONS),
    ("企业版是我们功能最全的版本 [1]。它的数据保留期最长 7 年 [1]。", EDITIONS_ZH),
    ("企业版是我们功能最全的版本 [1]。试用期为 14 天 [1]。", EDITIONS_ZH),
    ("企业版是我们功能最全的版本 [1]。其他版本的数据保留期为 36 个月 [1]。", EDITIONS_ZH),
])
def test_a_sentence_with_a_subject_of_its_own_or_the_right_number_goes_out(draft, evidence):
    assert POLICY.evaluate(DraftFacts(draft, cited=True, evidence=evidence)).rules == []


@pytest.mark.parametrize("draft", [
    "I'm sorry, but I can't assist with that. I've passed your message to our team and a person will reply here soon.",
    "Thanks for your patience — a colleague is checking this answer and will reply here shortly.",
    "Thank you for your interest. A colleague from our sales team will follow up with you to discuss the details.",
    "抱歉，我现在无法回答。我已经把您的消息转给了我们的团队，稍后会有同事在这里回复您。",
    "感谢您的耐心等待，我们的同事正在核实这个回答，稍后会在这里回复您。",
])
def test_a_draft_promising_a_person_is_a_handover_promise(draft):
    assert review_reasons(draft, evidence="", persona="customer").rules == ["handover_promise"]


@pytest.mark.parametrize("draft", [
    "I don't know that from our documentation; shall I connect you with a person from our team?",
    "Severity 1 tickets on Enterprise get a first response within 30 minutes [1].",
    "如果需要，我可以为您转接我们的同事。",
])
def test_offering_a_person_is_no_promise(draft):
    assert "handover_promise" not in review_reasons(draft, evidence="30", persona="customer").rules


@pytest.mark.parametrize(("asked", "draft", "rules"), [
    ("Do you support SSO?", "是的，支持 SAML 2.0 和 OIDC [1]。", ["reply_language"]),
    ("专业版支持单点登录吗？", "Yes, Pro supports SAML 2.0 and OIDC single sign-on [1].", ["reply_language"]),
    ("Do you support SSO?", "Yes, SAML 2.0 / OIDC is supported on Pro and Enterprise [1].", []),
    ("专业版支持单点登录吗？", "支持，专业版提供 SAML 2.0 / OIDC 单点登录 [1]。", []),
    ("ok", "好的 [1]。", []),  # too short to tell
])
def test_a_reply_in_another_language_than_the_message_is_held(asked, draft, rules):
    verdict = POLICY.evaluate(DraftFacts(draft, cited=True, customer_text=asked))
    assert verdict.rules == rules, verdict
    if rules:
        assert "the customer wrote in" in verdict.reasons[0]
