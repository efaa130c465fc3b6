from agent.citing import attach_citations
from retrieval.knowledge import Hit


def hit(n: int, text: str) -> Hit:
    return Hit(f"c{n}", text, f"doc{n}.md", f"H{n}", f"T{n}", "en", 1.0)


def test_markers_become_renumbered_citations():
    sources = [hit(1, "Starter is free."), hit(2, "Pro costs $49 per user per month. It has SSO.")]
    text, cites = attach_citations("Pro costs $49 [2], Starter is free [1]. Bogus [7].", sources)
    assert text == "Pro costs $49 [1], Starter is free [2]. Bogus."
    assert [c.source for c in cites] == ["doc2.md", "doc1.md"]
    assert cites[0].quote == "Pro costs $49 per user per month."


def test_without_markers_sources_are_attributed_by_overlap():
    sources = [hit(1, "Our office dog is called Biscuit."),
               hit(2, "The Enterprise edition includes on-premises deployment and a 99.95% uptime SLA.")]
    text, cites = attach_citations("Enterprise includes on-premises deployment with a 99.95% uptime SLA.", sources)
    assert [c.source for c in cites] == ["doc2.md"]
    _, none = attach_citations("Hello there!", sources)
    assert none == []


def test_chinese_answers_are_attributed_by_character_bigrams():
    sources = [hit(1, "密码策略：密码最短长度默认为 8 个字符，连续输错 5 次后账户会被锁定 30 分钟。"),
               hit(2, "网络策略用于限制用户只能从指定的 IP 地址段登录。")]
    text, cites = attach_citations("默认密码最短长度是 8 个字符，连续输错 5 次账户会被锁定。", sources)
    assert [c.source for c in cites] == ["doc1.md"]
    assert "8 个字符" in cites[0].quote


def test_sharing_only_the_product_name_and_filler_words_is_no_citation():
    sources = [hit(1, "Databend Cloud encrypts your data at rest and in transit. Databend Cloud supports SSO."),
               hit(2, "Databend Cloud bills your warehouses per second. Databend Cloud has three plans.")]
    # "databend", "cloud" are in every source, the rest is filler: nothing here supports the claim
    _, cites = attach_citations("Yes, Databend Cloud will support that for your plan and we can help.", sources)
    assert cites == []
    _, cites = attach_citations("Databend Cloud encrypts your data at rest and in transit.", sources)
    assert [c.source for c in cites] == ["doc1.md"]


def test_a_reply_sharing_only_filler_and_the_product_name_with_a_source_cites_nothing():
    slack = hit(1, "Dashboards, alerts and AI Insights digests can be delivered to:\n- **Slack** – post charts to "
                   "channels, get alerts, and ask AI Insights questions with the `/lumen` command.\n- **Email** – to "
                   "any address, including people without a Lumen account.")
    other = hit(2, "Severity 1 tickets get a first response within 30 minutes on Enterprise.")
    for reply in ["Thank you for your interest in Lumen Analytics. A colleague from our sales team will follow up "
                  "with you to discuss the details of your request.",
                  "I'm sorry, but I can't assist with that. I'm here to help with sales and product information, not "
                  "with legal or financial matters. If you have any other questions, feel free to ask."]:
        assert attach_citations(reply, [slack, other])[1] == []
