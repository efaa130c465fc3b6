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
