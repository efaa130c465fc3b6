"""A small bilingual corpus, one embedder per session (the model loads once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embeddings import LocalE5Embedder
from retrieval.knowledge import KnowledgeBase, open_chroma

CORPUS = {
    "en/pricing.md": "---\ntitle: Pricing\n---\n# Pricing\n\n## Pro\nThe Pro edition costs $49 per user per month, "
                     "billed annually.\n\n## Enterprise\nEnterprise pricing is quoted per contract.\n",
    "en/security.md": "# Security\n\n## Single sign-on\nSAML single sign-on works with Okta and Azure AD.\n\n"
                      "## Encryption\nAll data is encrypted at rest with AES-256.\n",
    "zh/deploy.md": "# 部署\n\n## 私有化部署\n企业版支持在客户自己的数据中心进行私有化部署，需要 Kubernetes 1.27 以上。\n",
    "zh/trial.md": "# 免费试用\n\n所有版本都提供 14 天免费试用，无需信用卡。\n",
}
INTERNAL = {
    "discounts.md": "# Discount policy\n\nReps may give up to 15% discount on Pro; anything above needs the "
                    "sales director. Codeword: PELICAN-7.\n",
}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


@pytest.fixture(scope="session")
def embedder() -> LocalE5Embedder:
    return LocalE5Embedder()


@pytest.fixture
def kb_factory(tmp_path: Path, embedder):  # noqa: ANN201
    def make(name: str = "kb", **kwargs) -> KnowledgeBase:  # noqa: ANN003
        folder = tmp_path / name
        return KnowledgeBase(open_chroma(folder / "chroma"), embedder, index_dir=folder / "lexical", **kwargs)
    return make


@pytest.fixture(scope="module")
def corpus_kb(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The small corpus ingested once per module: public docs and one internal page."""
    root = tmp_path_factory.mktemp("corpus")
    kb = KnowledgeBase(open_chroma(root / "chroma"), LocalE5Embedder(), index_dir=root / "lexical")
    kb.ingest_dir(write_tree(root / "public", CORPUS), "public")
    kb.ingest_dir(write_tree(root / "internal", INTERNAL), "internal")
    return kb
