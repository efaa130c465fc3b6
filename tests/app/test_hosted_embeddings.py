"""Wired by the app: with a hosted embeddings endpoint, a customer's turn (its up-front search) and an ingest
send that endpoint no personal data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agent.types import Inbound
from app.container import Container
from app.demo.seed import load_tenant, seed_crm
from tests.agent.fake_openai import FakeOpenAI
from tests.conftest import make_settings


def test_a_turn_and_an_ingest_send_the_endpoint_no_personal_data(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pricing.md").write_text("# Pricing\n\nThe Pro edition costs $49 per user per month. Questions about "
                                     "invoices go to Maria Chen, maria.chen@lumen.example.\n", encoding="utf-8")
    with FakeOpenAI() as fake:
        c = Container(make_settings(tmp_path / "data", embedding_provider="openai", embedding_model="emb-small",
                                    embedding_base_url=fake.url("good")))
        try:
            c.setup_database()
            with Session(c.engine) as s:
                seed_crm(s, load_tenant())
            c.kb.ingest_dir(docs, audience="public")
            c.model.chat.script += ["The Pro edition costs $49 per user per month [1]."]
            reply = c.runner.handle(Inbound("web-emb", "I'm Tom Baker, tom.baker@gmail.com: what does Pro cost?"))
        finally:
            c.close()
    sent = "\n".join(t for _, body in fake.requests
                     for t in ([body["input"]] if isinstance(body["input"], str) else body["input"]))
    assert "what does Pro cost?" in sent and "The Pro edition costs $49" in sent  # both directions went out
    assert "tom.baker@gmail.com" not in sent and "maria.chen@lumen.example" not in sent
    assert "<EMAIL_ADDRESS>" in sent
    assert [c["source"] for c in reply.citations] == ["pricing.md"]  # the search still found the page
