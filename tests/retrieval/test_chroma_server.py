"""Scale-out: the same knowledge base code against a Chroma server (`chroma run`) reached by URL."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from retrieval.knowledge import KnowledgeBase, open_chroma
from tests.retrieval import search_checks
from tests.retrieval.conftest import CORPUS, INTERNAL, write_tree

CHROMA = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    if not Path(CHROMA).exists():
        pytest.skip("the `chroma` CLI (installed with the chromadb package) is not on this machine")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen([CHROMA, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data / "db")],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(data / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def server_kb(chroma_url: str, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from retrieval.embeddings import LocalE5Embedder

    root = tmp_path_factory.mktemp("server-corpus")
    kb = KnowledgeBase(open_chroma(url=chroma_url), LocalE5Embedder(), index_dir=root / "node-a")
    kb.ingest_dir(write_tree(root / "public", CORPUS), "public")
    kb.ingest_dir(write_tree(root / "internal", INTERNAL), "internal")
    return kb


def test_search_against_server(server_kb):
    search_checks.check_finds_the_right_page_in_each_language(server_kb)
    search_checks.check_cross_lingual(server_kb)
    search_checks.check_bad_queries(server_kb)


def test_audience_separation_against_server(server_kb):
    search_checks.check_audience_separation(server_kb)


def test_a_second_node_sees_the_first_nodes_ingest(server_kb, chroma_url: str, tmp_path: Path):
    """Another app node with its own (empty) local BM25 folder builds the index from the server once,
    and picks up a later ingest by the first node through the collection's revision."""
    from retrieval import store

    docs = write_tree(tmp_path / "more", {"webhooks.md": "# Webhooks\n\nWebhooks retry five times with backoff.\n"})
    server_kb.ingest_dir(docs, "public", collection="kb_extra")
    node_b = KnowledgeBase(open_chroma(url=chroma_url), server_kb.embedder, index_dir=tmp_path / "node-b")
    assert node_b.searcher("public").search("SAML Okta", k=1)[0].source == "en/security.md"
    assert "five times" in node_b.searcher("public").search("how often are webhooks retried?", k=1)[0].text
    write_tree(docs, {"webhooks.md": "# Webhooks\n\nWebhooks retry eight times with backoff.\n"})
    server_kb.ingest_dir(docs, "public", collection="kb_extra")
    store.REVISION_TTL_S, old = 0.0, store.REVISION_TTL_S  # what waiting a couple of seconds does
    try:
        assert "eight times" in node_b.searcher("public").search("how often are webhooks retried?", k=1)[0].text
    finally:
        store.REVISION_TTL_S = old
