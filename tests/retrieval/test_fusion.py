from retrieval.fusion import FusionConfig, fuse, order_chunks, page_order, rrf
from retrieval.glossary import Glossary, builtin_glossary
from retrieval.query import MAX_QUERY_CHARS, clean_query
from retrieval.search import _other_language_by


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
    custom = Glossary.load_lines(["widget|gizmo\t小部件"])
    assert custom.expand("how big is a gizmo?") == "小部件 widget gizmo"


def test_queries_are_trimmed_bounded_and_must_mean_something():
    assert clean_query("  hello \n world ") == "hello world"
    assert clean_query("…?!。，") == "" and clean_query(None) == "" and clean_query("___") == ""
    assert len(clean_query("x" * 10_000)) == MAX_QUERY_CHARS
    assert clean_query("价格？") == "价格？"
