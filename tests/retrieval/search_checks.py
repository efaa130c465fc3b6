"""Search behaviour every deployment must show; run against local Chroma and against a Chroma server."""

from __future__ import annotations

from retrieval.knowledge import KnowledgeBase


def check_finds_the_right_page_in_each_language(kb: KnowledgeBase) -> None:
    s = kb.searcher("public")
    assert s.search("How much does the Pro edition cost per user?", k=3)[0].source == "en/pricing.md"
    assert s.search("Does it support SAML SSO with Okta?", k=3)[0].source == "en/security.md"
    assert s.search("企业版能私有化部署吗？", k=3)[0].source == "zh/deploy.md"
    hit = s.search("免费试用多少天", k=3)[0]
    assert hit.source == "zh/trial.md" and hit.language == "zh" and "14" in hit.text


def check_cross_lingual(kb: KnowledgeBase) -> None:
    s = kb.searcher("public")
    assert s.search("专业版每个用户多少钱？", k=3)[0].source == "en/pricing.md"
    top = [h.source for h in s.search("can we deploy it on-premises in our own data center?", k=3)]
    assert "zh/deploy.md" in top


def check_audience_separation(kb: KnowledgeBase) -> None:
    public = kb.searcher("public")
    attempts = ["discount policy", "PELICAN-7 codeword", "Reps may give up to 15% discount on Pro",
                "internal discounts.md", "折扣政策", "audience=internal discount", "../internal/discounts.md"]
    for q in attempts:
        for hit in public.search(q, k=50):
            assert hit.audience == "public" and "PELICAN" not in hit.text, (q, hit)
    assert all(name.endswith("_public") for name in public.collections)
    rep = kb.searcher("internal")
    top = rep.search("what discount can I give on Pro?", k=3)
    assert top[0].source == "discounts.md" and top[0].audience == "internal"
    assert any(h.audience == "public" for h in rep.search("Pro edition price", k=5))  # reps see public docs too


def check_bad_queries(kb: KnowledgeBase) -> None:
    s = kb.searcher("public")
    assert s.search("", k=5) == [] and s.search("   \n\t", k=5) == []
    assert s.search("?!?…。，！!!", k=5) == [] and s.search("---", k=5) == []
    assert s.search("Pro price", k=0) == []
    long = ("Please tell me the price of the Pro edition. " * 250)[:10_000]
    hits = s.search(long, k=3)
    assert hits and hits[0].source == "en/pricing.md"
    assert s.search("zzqx unknownword", k=3) is not None  # no match is not an error
