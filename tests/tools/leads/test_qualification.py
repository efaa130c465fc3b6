"""BANT over a multi-turn conversation in English and Chinese: the rules, a model's structured output
(the scripted model answers the way a tool-calling model does), and garbage from the model."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from agent.llm.scripted import ScriptedChatModel
from tools.leads.qualification import QUESTIONS, Qualifier, extract_rules


def test_rules_read_english_and_chinese():
    en = extract_rules("We need to replace our spreadsheets with dashboards. Our budget is around $40k. "
                       "I'm the CTO, so it's my call. We want to go live within 3 months.")
    assert en.budget == 40_000 and "spreadsheets" in en.need
    assert en.authority == "decision maker" and en.timeline == "within 3 months"
    zh = extract_rules("我们希望把报表迁移到云上。预算大概30万元。需要老板审批。计划下个月上线。")
    assert zh.budget == 300_000 and "报表" in zh.need
    assert zh.authority.startswith("needs approval") and zh.timeline == "下个月"
    assert extract_rules("hello there").model_dump() == {"budget": None, "budget_note": None, "authority": None,
                                                         "need": None, "timeline": None}


def test_multi_turn_english_asks_one_question_at_a_time_until_qualified():
    q = Qualifier()
    said = ["Hi, we're looking for a way to track robot telemetry in dashboards."]
    step = q.qualify(said, {}, "en")
    assert step.missing == ["timeline", "authority", "budget"] and step.next_question == QUESTIONS["en"]["timeline"]
    said.append("Ideally by Q2.")
    step = q.qualify(said[-1:], step.bant, "en")  # only the new turn: what was known is kept
    # the greeting is not part of the need
    assert step.bant["need"].startswith("we're looking") and step.bant["timeline"].lower() == "by q2"
    assert step.next_question == QUESTIONS["en"]["authority"]
    step = q.qualify(["My manager needs to approve it, and the budget is $25,000 a year."], step.bant, "en")
    assert step.qualified and step.next_question is None and step.method == "rules"
    assert step.bant["budget"] == 25_000 and "approv" in step.bant["authority"]


def test_multi_turn_chinese_and_later_answers_win():
    q = Qualifier()
    step = q.qualify(["你好，我们需要一个数据看板来监控物流。"], {}, "zh")
    assert step.next_question == QUESTIONS["zh"]["timeline"]
    step = q.qualify(["三个月内上线，我来拍板。"], step.bant, "zh")
    assert step.bant["authority"] == "decision maker" and step.bant["timeline"] == "三个月内"
    assert step.next_question == QUESTIONS["zh"]["budget"]
    step = q.qualify(["预算大概 20 万。"], step.bant, "zh")
    assert step.qualified and step.bant["budget"] == 200_000
    step = q.qualify(["不好意思，预算改成 50万元。"], step.bant, "zh")
    assert step.bant["budget"] == 500_000  # the customer corrected it


def _structured(args: dict) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": "BantExtract", "args": args, "id": "bant-1"}])


def test_model_structured_output_is_used_and_merged():
    model = ScriptedChatModel(script=[_structured({"need": "unify SAP and Oracle data", "timeline": "Q1 2027",
                                                   "budget": 120000, "authority": None})])
    step = Qualifier(model).qualify(["我们要把 SAP 和 Oracle 的数据打通，明年一季度，大概 12 万美元"],
                                    {"authority": "decision maker"}, "zh")
    assert step.method == "model" and step.qualified
    assert step.bant == {"budget": 120000.0, "budget_note": None, "authority": "decision maker",
                         "need": "unify SAP and Oracle data", "timeline": "Q1 2027"}
    assert model.calls, "the model was asked"


def test_garbage_from_the_model_falls_back_to_the_rules():
    for garbage in ["I think the budget is big!", _structured({"budget": "lots and lots"}), AIMessage("")]:
        model = ScriptedChatModel(script=[garbage])
        step = Qualifier(model).qualify(["Our budget is $10k and we need reporting by next month."], {}, "en")
        assert step.method == "rules", garbage
        assert step.bant["budget"] == 10_000 and step.bant["timeline"] == "by next month"


def test_an_empty_answer_from_the_model_counts_as_nothing():
    model = ScriptedChatModel(script=[_structured({})])
    step = Qualifier(model).qualify(["I'm the founder and we need better churn reports."], {}, "en")
    assert step.method == "rules" and step.bant["authority"] == "decision maker"


def test_the_whole_conversation_at_once_lets_later_corrections_win():
    said = ["We need churn dashboards. Budget is $20k.", "I hope we can start next month.",
            "Actually the budget is $35k now; our CFO has to approve it."]
    step = Qualifier().qualify(said, {}, "en")
    assert step.bant["budget"] == 35_000 and step.bant["need"] == "We need churn dashboards."
    assert step.bant["timeline"] == "next month" and "approve" in step.bant["authority"]


def test_money_per_period_is_a_budget_and_an_approved_budget_is_known():
    assert extract_rules("We have about $6,000 a year for this.").budget == 6_000
    assert extract_rules("每年大概 5 万元。").budget == 50_000
    assert extract_rules("We paid $6,000 for the conference.").budget is None  # money, but not a budget
    approved = extract_rules("Budget approved, we need to replace our BI tool because dashboards are slow.")
    assert approved.budget is None and approved.budget_note == "budget approved"
    assert extract_rules("预算已经批下来了。").budget_note == "budget approved"


def test_next_quarter_in_chinese_is_a_timeline():
    assert extract_rules("我们打算下个季度上线。").timeline == "下个季度"
    assert extract_rules("下季度要用起来。").timeline == "下季度"


def test_the_need_is_the_clause_that_states_it_not_the_whole_sentence():
    en = extract_rules("Budget approved, we need to replace our BI tool because dashboards are slow.")
    assert en.need == "we need to replace our BI tool because dashboards are slow."
    assert extract_rules("我们的报表太慢了，需要一个更快的工具。").need == "需要一个更快的工具。"
