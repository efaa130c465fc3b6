"""The real embedded model through the OpenAI protocol on loopback (the small pinned model)."""

from __future__ import annotations

import pytest

from agent.llm.weights import MODELS, cached_path, is_cached
from app.api import create_app
from app.container import Container
from app.settings import DEFAULT_MODEL_CACHE
from tests.conftest import chat_client, make_settings

SMALL = MODELS["qwen2.5-0.5b"]


@pytest.mark.slow
def test_real_local_model_answers_over_http(data_dir):
    if not is_cached(SMALL, DEFAULT_MODEL_CACHE):
        pytest.fail(f"run `salesagent model fetch {SMALL.id}` first (make test does): "
                    f"{cached_path(SMALL, DEFAULT_MODEL_CACHE)} is missing")
    s = make_settings(data_dir, llm_provider="local", llm_model=SMALL.id, llm_max_tokens=64, llm_context=4096)
    c = Container(s)
    c.setup_database()
    try:
        with chat_client(create_app(c)) as tc:
            r = tc.post("/v1/conversations/local-1/messages", json={"text": "How much is the Pro edition?"})
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["status"] in {"sent", "pending_review"}
            assert body["text"].strip()
            assert c.model.name == SMALL.id and c.model.chat.openai_api_base.startswith("http://127.0.0.1:")
            stored = tc.get("/v1/conversations/local-1/messages").json()["messages"]
            assert stored[-1]["role"] == "assistant" and stored[-1]["text"].strip()
    finally:
        c.close()
