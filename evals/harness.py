"""The application under evaluation: the whole app built in-process from settings (app.container), in a
fresh data dir, and one customer or rep turn at a time through `Runner.handle` — the code path the web,
Slack and WeCom channels use. A turn records what the customer saw, what the model drafted, the tool
calls it made and their results, tokens, and wall time.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage

from agent.types import Inbound, Reply
from app.container import Container
from app.settings import Settings

PROVIDERS = ("scripted", "local", "openai")
# Routing depends on the reps' working hours, so the lead service's clock is pinned: a Wednesday, 11:00 in
# Shanghai and Singapore (outside New York's hours). A case may set its own "now" (naive UTC, ISO 8601).
EVAL_NOW = datetime(2026, 11, 18, 3, 0)


@dataclass
class Turn:
    reply: Reply
    seconds: float
    draft: str  # the model's text before any hold: the held draft, or the reply itself
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"name", "args"} in call order
    tool_results: list[str] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=dict)  # input/output/total, the product's usage accounting
    cost: float = 0.0  # this turn's model cost from the price table (settings.llm_prices), in `currency`

    @property
    def visible(self) -> str:
        return self.reply.text


def kb_fingerprint(docs: dict[str, Path], exclude: Sequence[str] = ()) -> str:
    """Content hash of the documents, the chunker version, the embedding model and the exclusions."""
    from fnmatch import fnmatch

    from retrieval.knowledge import CHUNKER_VERSION

    settings = Settings(_env_file=None)
    digest = hashlib.sha256(f"{CHUNKER_VERSION}\n{settings.embedding_model}\n{sorted(exclude)}\n".encode())
    for audience, folder in sorted(docs.items()):
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and not any(fnmatch(rel, pat) for pat in exclude):
                digest.update(f"{audience}/{rel}".encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return digest.hexdigest()[:16]


def kb_template(cache_dir: Path, docs: dict[str, Path], exclude: Sequence[str] = (),
                progress: Callable[[int, int], None] | None = None) -> Path:
    """A Chroma folder with `docs` ({audience: folder}) ingested by the product's own knowledge base, built
    once per content hash under `cache_dir` and copied into each fresh app: embedding a corpus takes minutes
    on 2 cores. Embeddings are cached across templates in `cache_dir/embeddings.sqlite`."""
    folder = cache_dir / f"kb-{kb_fingerprint(docs, exclude)}"
    if (folder / "ingested").exists():
        return folder / "chroma"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "embeddings.sqlite").symlink_to((cache_dir / "embeddings.sqlite").resolve())
    c = Container(Settings(_env_file=None, data_dir=folder, llm_provider="scripted"))
    try:
        for audience, path in docs.items():
            c.kb.ingest_dir(path, audience=audience, exclude=exclude, progress=progress)
    finally:
        c.close()
    (folder / "ingested").write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    return folder / "chroma"


def demo_kb_template(cache_dir: Path) -> Path:
    from app.demo.seed import DOCS

    return kb_template(cache_dir, {aud: folder for aud, folder in DOCS.items() if folder.is_dir()})


def tool_names(runner: Any) -> set[str]:  # noqa: ANN401 - agent.runner.Runner
    """The tools the runner's agent can call in this build (none when the model cannot call tools)."""
    node = runner.agent.nodes.get("tools")
    return set(getattr(getattr(node, "bound", None), "tools_by_name", {}) if node else {})


def host_load() -> dict[str, Any]:
    """CPU count and load average: latency on a shared 2-core machine means little without them."""
    import os

    return {"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2)}


class App:
    """One fresh instance of the product. `provider` scripted|local|openai; other settings come from the
    environment as in production (SALESAGENT_LLM_BASE_URL, _API_KEY, _MODEL, _THREADS …), except the data
    dir, which is always new. `kb_template`: a Chroma folder copied in (see demo_kb_template)."""

    def __init__(self, provider: str = "scripted", *, data_dir: Path | None = None, seed_crm: bool = True,
                 kb_template: Path | None = None, tools: list[Any] | None = None, **settings: Any):
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r} (expected one of {', '.join(PROVIDERS)})")
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="salesagent-eval-"))
        if kb_template is not None:
            shutil.copytree(kb_template, self.data_dir / "chroma", dirs_exist_ok=True)
        self.settings = Settings(**{"data_dir": self.data_dir, "llm_provider": provider, **settings})
        self.c = Container(self.settings, tools=tools)
        self.c.setup_database()
        if seed_crm:
            from sqlalchemy.orm import Session

            from app.demo.seed import load_tenant
            from app.demo.seed import seed_crm as load_crm

            with Session(self.c.engine) as s:
                load_crm(s, load_tenant())
        self.now = EVAL_NOW
        self.c.leads.clock = lambda: self.now

    @property
    def currency(self) -> str:
        return self.c.usage.currency

    @property
    def scripted(self) -> bool:
        return self.settings.llm_provider == "scripted"

    @property
    def script(self) -> list[Any]:
        """The scripted model's queue of steps (only with the scripted provider)."""
        return self.c.model.chat.script

    def tool_names(self) -> set[str]:
        return tool_names(self.c.runner)

    def _messages(self, conversation_id: str) -> list[Any]:
        state = self.c.runner.agent.get_state({"configurable": {"thread_id": conversation_id}})
        return list(state.values.get("messages", []))

    def turn(self, inbound: Inbound) -> Turn:
        before = len(self._messages(inbound.conversation_id))
        before_usage = self._usage(inbound.conversation_id)
        started = time.perf_counter()
        reply = self.c.runner.handle(inbound)
        seconds = time.perf_counter() - started
        new = self._messages(inbound.conversation_id)[before:]
        calls = [{"name": tc["name"], "args": dict(tc.get("args") or {})}
                 for m in new if isinstance(m, AIMessage) for tc in m.tool_calls]
        results = [str(m.content) for m in new if isinstance(m, ToolMessage)]
        used = _minus(self._usage(inbound.conversation_id), before_usage)
        tokens = {"input_tokens": used[0], "output_tokens": used[1], "total_tokens": used[0] + used[1]} \
            if used[3] else {}
        return Turn(reply, seconds, self._draft(reply), calls, results, tokens, round(used[2], 8))

    def _usage(self, conversation_id: str) -> tuple[int, int, float, int]:
        """This conversation's input and output tokens, cost and model calls so far, over all models."""
        per_model = self.c.usage.conversation(conversation_id).values()
        return (sum(u.input_tokens for u in per_model), sum(u.output_tokens for u in per_model),
                sum(u.cost for u in per_model), sum(u.calls for u in per_model))

    def _draft(self, reply: Reply) -> str:
        if reply.status != "pending_review":
            return reply.text
        stored = self.c.conversations.get_message(reply.message_id) if reply.message_id else None
        return stored.text if stored else ""

    def close(self) -> None:
        self.c.close()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> App:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _minus(a: tuple[int, int, float, int], b: tuple[int, int, float, int]) -> tuple[int, int, float, int]:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3])
