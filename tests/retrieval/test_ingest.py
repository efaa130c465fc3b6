"""Incremental ingest and bad input: nothing is embedded twice, nothing bad stops the rest."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from retrieval.embed_cache import CachedEmbedder
from tests.retrieval.conftest import CORPUS, write_tree
from tests.retrieval.files import PNG_BYTES, make_pdf, write_big_file


class CountingEmbedder:
    """The real embedder, counting what it is asked to embed."""

    def __init__(self, inner):  # noqa: ANN001
        self.inner, self.model_id, self.dim, self.texts = inner, inner.model_id, inner.dim, []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def test_unchanged_embeds_nothing_changed_re_embeds_deleted_is_removed(tmp_path: Path, kb_factory, embedder):
    docs = write_tree(tmp_path / "docs", CORPUS)
    counting = CountingEmbedder(embedder)
    from retrieval.knowledge import KnowledgeBase, open_chroma

    kb = KnowledgeBase(open_chroma(tmp_path / "chroma"), counting, index_dir=tmp_path / "lexical")
    first = kb.ingest_dir(docs, "public")
    assert (first.added, first.updated, first.removed, first.unchanged) == (4, 0, 0, 0)
    assert first.chunks_embedded == len(counting.texts) > 0
    total = kb.count("public")

    counting.texts.clear()
    again = kb.ingest_dir(docs, "public")
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 4)
    assert counting.texts == [] and kb.count("public") == total

    (docs / "en/pricing.md").write_text("# Pricing\n\n## Pro\nThe Pro edition now costs $59 per user per month.\n")
    (docs / "zh/trial.md").unlink()
    (docs / "en/new.md").write_text("# Webhooks\n\nWebhooks retry five times with backoff.\n")
    third = kb.ingest_dir(docs, "public")
    assert (third.added, third.updated, third.removed, third.unchanged) == (1, 1, 1, 2)
    assert all("$59" in t or "Webhooks" in t for t in counting.texts)
    s = kb.searcher("public")
    assert "$59" in s.search("Pro edition price", k=1)[0].text
    assert all(h.source != "zh/trial.md" for h in s.search("免费试用", k=20))
    assert not any("$49" in h.text for h in s.search("Pro edition price", k=20))


def test_bad_folder_contents_are_skipped_and_the_rest_ingested(tmp_path: Path, kb_factory, caplog):
    docs = write_tree(tmp_path / "docs", {
        "good.md": "# Good\n\nSAML single sign-on works with Okta.\n",
        "gbk.md": "# 价格\n\n专业版每个用户每月 49 美元。\n".encode("gbk"),
        "utf16.txt": "Support hours are 9 to 6 CET.".encode("utf-16"),
        "broken.md": "---\ntitle: [oops\n---\n<Tabs>\n```\nunclosed fence\n| a |\n",
        "manual.pdf": make_pdf([["Backups run nightly at 02:00 UTC"]]),
        "image.md": PNG_BYTES,  # binary content behind a text suffix
        "fake.pdf": b"not a pdf at all",
        "empty.md": b"",
        "logo.png": PNG_BYTES,  # unsupported suffix: not even looked at
    })
    write_big_file(docs / "huge.md", 50 * 1024 * 1024)
    kb = kb_factory()
    with caplog.at_level(logging.WARNING, logger="retrieval.knowledge"):
        report = kb.ingest_dir(docs, "public")
    skipped = "\n".join(report.skipped)
    assert "huge.md" in skipped and "limit" in skipped
    assert "image.md" in skipped and "fake.pdf" in skipped
    assert "huge.md" in caplog.text and "image.md" in caplog.text
    assert report.added == 6  # good, gbk, utf16, broken, manual.pdf, empty (no chunks)
    s = kb.searcher("public")
    assert s.search("专业版多少钱", k=1)[0].source == "gbk.md"
    assert s.search("when do backups run?", k=1)[0].source == "manual.pdf"
    assert s.search("support hours", k=1)[0].source == "utf16.txt"
    assert any(h.source == "broken.md" for h in s.search("unclosed fence", k=5))
    again = kb.ingest_dir(docs, "public")  # the empty file (no chunks) is remembered as unchanged too
    assert (again.added, again.updated, again.removed, again.unchanged, again.chunks_embedded) == (0, 0, 0, 6, 0)
    (docs / "empty.md").unlink()
    assert kb.ingest_dir(docs, "public").removed == 1


def test_empty_folder_and_missing_folder(tmp_path: Path, kb_factory):
    kb = kb_factory()
    (tmp_path / "empty").mkdir()
    report = kb.ingest_dir(tmp_path / "empty", "public")
    assert (report.added, report.chunks_embedded) == (0, 0)
    assert kb.searcher("public").search("anything", k=5) == []
    with pytest.raises(FileNotFoundError, match="not a folder"):
        kb.ingest_dir(tmp_path / "nope", "public")
    with pytest.raises(ValueError, match="unknown audience"):
        kb.ingest_dir(tmp_path / "empty", "secret")


def test_embedding_cache_reuses_vectors_across_collections(tmp_path: Path, embedder):
    from retrieval.knowledge import KnowledgeBase, open_chroma

    cached = CachedEmbedder(embedder, tmp_path / "embeddings.sqlite")
    docs = write_tree(tmp_path / "docs", CORPUS)
    KnowledgeBase(open_chroma(tmp_path / "a"), cached).ingest_dir(docs, "public")
    misses = cached.misses
    assert misses > 0 and cached.hits == 0
    kb_b = KnowledgeBase(open_chroma(tmp_path / "b"), cached)
    kb_b.ingest_dir(docs, "public")
    assert cached.misses == misses and cached.hits == misses
    assert kb_b.searcher("public").search("SAML Okta", k=1)[0].source == "en/security.md"


def test_questions_are_embedded_once_in_memory_and_never_stored(tmp_path: Path, embedder):
    calls: list[str] = []

    class Counting:
        model_id, dim = embedder.model_id, embedder.dim

        def embed_query(self, text: str):  # noqa: ANN202
            calls.append(text)
            return embedder.embed_query(text)

    cached = CachedEmbedder(Counting(), tmp_path / "embeddings.sqlite", queries=2)
    first = cached.embed_query("How much is Pro for jane@example.com?")
    first[:] = 0  # a caller changing its copy does not change the cache
    again = cached.embed_query("How much is Pro for jane@example.com?")
    assert calls == ["How much is Pro for jane@example.com?"]
    assert np.allclose(again, embedder.embed_query("How much is Pro for jane@example.com?"), atol=1e-6)
    cached.embed_query("SSO?")
    cached.embed_query("SCIM?")  # a third question pushes out the least recently used one
    cached.embed_query("How much is Pro for jane@example.com?")
    assert len(calls) == 4
    cached.close()
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("embeddings.sqlite*"))
    assert stored and b"jane@example.com" not in stored
