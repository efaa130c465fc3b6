"""A hosted embeddings endpoint is sent texts with personal data replaced by its kind, never the values."""

from __future__ import annotations

import numpy as np
import pytest

from guardrails.pii import get_scanner
from guardrails.pii.pseudonymise import redact
from retrieval.embeddings import make_embedder
from tests.agent.fake_openai import EMBEDDING_DIM, FakeOpenAI

QUESTION = "My email is anna.berg@example.com and my phone +1 415 555 0134, how much is the Pro edition?"


def _sent(fake: FakeOpenAI) -> list[str]:
    return [t for _, body in fake.requests for t in ([body["input"]] if isinstance(body["input"], str)
                                                    else body["input"])]


def test_the_endpoint_gets_queries_and_passages_without_the_values():
    with FakeOpenAI() as fake:
        emb = make_embedder("openai", "text-embedding-3-small", fake.url("good"), "sk-test",
                            redact=lambda text: redact(text, get_scanner()))
        q = emb.embed_query(QUESTION)
        p = emb.embed_passages(["Contact Li Wei at liwei@example.cn for the Pro edition.", "Pro costs $49."])
    sent = _sent(fake)
    assert q.shape == (EMBEDDING_DIM,) and p.shape == (2, EMBEDDING_DIM)
    assert float(np.linalg.norm(q)) == pytest.approx(1.0, abs=1e-5)
    joined = "\n".join(sent)
    for value in ("anna.berg@example.com", "415 555 0134", "liwei@example.cn"):
        assert value not in joined
    assert "<EMAIL_ADDRESS>" in sent[0] and "how much is the Pro edition?" in sent[0]
    assert sent[-1] == "Pro costs $49."  # text without personal data goes as it is


def test_a_hosted_endpoint_without_a_redactor_is_refused():
    with pytest.raises(ValueError, match="PII redactor"):
        make_embedder("openai", "text-embedding-3-small", "http://127.0.0.1:9/v1", "sk-test")
