from retrieval.answer_type import wanted_answer
from retrieval.fusion import (
    FusionConfig,
    fuse,
    order_chunks,
    page_order,
    pool_translations,
    rrf,
    translation_key,
)
from retrieval.glossary import Glossary, builtin_glossary
from retrieval.query import MAX_QUERY_CHARS, clean_query
from retrieval.search import _other_language_by, _translation_keys, _translations_apart


def test_rrf_rewards_agreement_and_respects_weights():
    scores = rrf([(["a", "b", "c"], 1.0), (["b", "a"], 1.0), (["c"], 0.5)], k=60)
    assert scores["a"] == scores["b"] > scores["c"]
    assert rrf([(["x", "y"], 2.0), (["y", "x"], 1.0)], k=60)["x"] > rrf([(["x", "y"], 2.0), (["y", "x"], 1.0)])["y"]


def test_page_level_fusion_credits_a_page_found_by_different_chunks():
    page_of = {"p1#0": "p1", "p1#1": "p1", "p2#0": "p2", "p3#0": "p3"}
    dense = [("p2#0", 0.9), ("p1#0", 0.8)]
    bm25 = [("p3#0", 9.0), ("p1#1", 8.0)]
    chunks, pages = fuse([(dense, 1.0, True), (bm25, 1.0, False)], [], page_of, FusionConfig())
    assert max(chunks, key=chunks.get) != "p1#0"  # chunk by chunk, p1 never leads
    assert max(pages, key=pages.get) == "p1"  # but it is second in both lists, through two different chunks
    assert page_order(["p1#1", "p2#0", "p1#0"], page_of) == ["p1", "p2"]
    order = order_chunks(chunks, pages, page_of, decay=0.5)
    assert order[0] in ("p1#0", "p1#1") and order[1] != [o for o in order if o.startswith("p1")][1]


def test_the_best_other_language_page_is_moved_up_to_its_slot():
    order = ["a#0", "b#0", "c#0", "d#0", "z#0"]
    page_of = {k: k[0] for k in order}
    records = {k: {"language": "zh" if k.startswith("z") else "en"} for k in order}
    moved = _other_language_by(order, page_of, records, "en", 2)
    assert moved == ["a#0", "b#0", "z#0", "c#0", "d#0"]
    assert _other_language_by(moved, page_of, records, "en", 2) == moved  # already early enough
    assert _other_language_by(order, page_of, records, "zh", 2) == order  # en pages already lead


def test_glossary_expands_to_synonyms_and_the_other_language():
    g = builtin_glossary()
    assert "价格" in g.expand("How much is the Pro edition?") and "price" in g.expand("How much is the Pro edition?")
    zh = g.expand("商业版一小时多少美元？").split()
    assert {"business", "hour", "usd"} <= set(zh)
    assert g.expand("Tell me about HIPAA") == ""
    # an acronym reaches pages that spell it out ("Do you support SSO?" missed the security page)
    assert {"single", "sign-on", "saml", "单点登录"} <= set(g.expand("Do you support SSO?").split())
    assert "sso" in g.expand("你们支持单点登录吗？").split()
    custom = Glossary.load_lines(["widget|gizmo\t小部件"])
    assert custom.expand("how big is a gizmo?") == "小部件 widget gizmo"


def test_queries_are_trimmed_bounded_and_must_mean_something():
    assert clean_query("  hello \n world ") == "hello world"
    assert clean_query("…?!。，") == "" and clean_query(None) == "" and clean_query("___") == ""
    assert len(clean_query("x" * 10_000)) == MAX_QUERY_CHARS
    assert clean_query("价格？") == "价格？"


def test_translations_of_a_page_share_a_key_and_pool_their_evidence():
    assert translation_key("en/guides/pricing.md") == translation_key("zh/guides/pricing.md") != "en/guides/pricing.md"
    assert translation_key("docs/zh-CN/a.md") == translation_key("docs/en/a.md")
    assert translation_key("faq.zh.md") == translation_key("faq.en.md")
    assert translation_key("enterprise/guide.md") == "enterprise/guide.md"  # "en" inside a word is no language
    pages = {"zh/p.md": 1.0, "en/p.md": 0.9, "zh/q.md": 1.2}
    pooled = pool_translations(pages, {p: translation_key(p) for p in pages}, 0.5)
    assert pooled["zh/p.md"] == 1.45 and pooled["en/p.md"] == 1.4 and pooled["zh/q.md"] == 1.2
    assert max(pooled, key=pooled.get) == "zh/p.md"  # found in both languages beats found in one
    assert pool_translations(pages, {p: translation_key(p) for p in pages}, 0.0) == pages


def test_the_answer_a_question_wants():
    dollars = wanted_answer("美国区 Medium 商业版一小时多少美元？")
    assert dollars.search("$4.00 per hour") and not dollars.search("￥ 12.00")  # the currency asked about
    assert wanted_answer("国内版一小时多少钱").search("￥ 12.00") and wanted_answer("How much is Pro?").search("$49")
    when = wanted_answer("Databend v1.2 是哪天正式发布的？")
    assert when.search("released on June 29, 2023") and when.search("2023年6月29日") and not when.search("v1.2.0")
    long = wanted_answer("计算集群默认闲置多久会自动暂停？")
    assert long.search("会在五分钟不活动后") and long.search("after five minutes") and long.search("15 分钟")
    assert not long.search("Databend v1.2") and wanted_answer("Do you support SSO?") is None


def test_a_translation_of_a_page_already_shown_steps_back_behind_the_next_page():
    order = [(0, "en/p#0"), (0, "zh/p#0"), (0, "en/q#0"), (0, "zh/p#1"), (0, "en/r#0")]
    page_of = {key: (0, key[1].split("#")[0] + ".md") for key in order}
    twins = _translation_keys(page_of.values())
    apart = _translations_apart(order, page_of, twins)
    assert [k[1] for k in apart] == ["en/p#0", "en/q#0", "zh/p#0", "en/r#0", "zh/p#1"]
    assert _translations_apart(order[2:3], page_of, twins) == order[2:3]
