from retrieval.excerpt import GAP, focused_excerpt
from retrieval.tokens import count_tokens

PRICES = """## Warehouse pricing
Your warehouses cost money only while they are running, and billing is calculated per second.
A warehouse that runs for three seconds is billed for three seconds, and a suspended one costs nothing.
The size of a warehouse is the number of queries it can run at once.
| Size | Concurrency | Standard per hour | Business per hour |
|------|-------------|-------------------|-------------------|
| Small | 2 | $1.00 | $1.50 |
| Medium | 8 | $4.00 | $6.00 |
| Large | 16 | $8.00 | $12.00 |
Storage is billed monthly per terabyte at the same price in both editions.
Warehouses suspend themselves after five minutes without queries; you can change that."""


def test_a_passage_that_fits_is_left_whole():
    assert focused_excerpt(PRICES, "How much is a Medium warehouse?", 10_000) == PRICES
    assert focused_excerpt(PRICES, "anything", 0) == PRICES


def test_over_budget_the_lines_that_answer_are_kept_with_their_table_header():
    out = focused_excerpt(PRICES, "How much is a Medium business warehouse per hour?", 60)
    assert count_tokens(out) <= 60 + 8  # gap marks and line breaks are the only extra
    assert "| Medium | 8 | $4.00 | $6.00 |" in out and "| Size | Concurrency |" in out
    assert out.index("| Size") < out.index("| Medium")  # original order
    assert "|------" not in out and GAP in out  # the rule is dropped, the cut is marked
    assert "| Large |" not in out  # a row nobody asked about gave way


def test_chinese_questions_find_spelled_out_durations_in_chinese_passages():
    zh = ("本节介绍计算集群的价格。计算集群按秒计费。存储按月计费，每 TB 价格相同。" * 3
          + "默认情况下，计算集群会在五分钟不活动后自动暂停。您可以调整或关闭自动暂停。")
    out = focused_excerpt(zh, "计算集群默认闲置多久会自动暂停？", 40)
    assert "五分钟不活动后自动暂停" in out and count_tokens(out) <= 48


def test_nothing_fits_falls_back_to_the_beginning():
    long_line = "word " * 400
    out = focused_excerpt(long_line, "word", 20)
    assert out and count_tokens(out) <= 20 and long_line.startswith(out.strip())
