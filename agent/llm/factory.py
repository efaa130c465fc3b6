"""One factory for every provider. Callers get a chat model plus what it can do, and its fallbacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from agent.budget import TokenBudget


@dataclass(frozen=True)
class LlmConfig:
    provider: str = "local"  # local | openai | scripted
    model: str = "qwen2.5-1.5b"
    base_url: str = ""
    api_key: str = ""
    timeout_s: float = 60.0
    max_retries: int = 1
    temperature: float = 0.2
    max_tokens: int = 384
    threads: int = 0
    context: int = 4096
    model_path: str = ""
    model_cache_dir: Path = Path.home() / ".cache" / "salesagent" / "models"
    # None: by provider (local models lack native tool calls, openai endpoints have them). False for a weak
    # hosted model (a small one behind Ollama or vLLM) gets tool calls through constrained decoding instead.
    native_tools: bool | None = None
    fallbacks: tuple[LlmConfig, ...] = ()  # tried in order when this model fails or returns garbage


@dataclass
class ModelHandle:
    chat: BaseChatModel
    name: str
    native_tools: bool  # False: the model cannot emit tool calls on its own (small local models)
    context: int
    resources: list[Any] = field(default_factory=list)
    max_tokens: int = 384
    fallbacks: list[ModelHandle] = field(default_factory=list)

    def budget(self, max_passages: int = 4) -> TokenBudget:
        return TokenBudget(self.context, self.max_tokens, max_passages)

    def chain(self) -> Iterator[ModelHandle]:
        yield self
        for fb in self.fallbacks:
            yield from fb.chain()

    def serving(self, chat: BaseChatModel) -> ModelHandle:
        """The handle whose chat model serves a request (the primary or a fallback); the primary if unknown."""
        return next((h for h in self.chain() if h.chat is chat), self)

    def close(self) -> None:
        for res in self.resources:
            res.stop()
        self.resources.clear()
        for fb in self.fallbacks:
            fb.close()


def build_model(cfg: LlmConfig, script: list[Any] | None = None) -> ModelHandle:
    handle = _build_one(cfg, script)
    handle.max_tokens = cfg.max_tokens
    try:
        handle.fallbacks = [build_model(fb) for fb in cfg.fallbacks]
    except Exception:
        handle.close()
        raise
    return handle


def _build_one(cfg: LlmConfig, script: list[Any] | None) -> ModelHandle:
    native = cfg.native_tools
    if cfg.provider == "scripted":
        from agent.llm.scripted import ScriptedChatModel

        return ModelHandle(ScriptedChatModel(script=list(script or [])), "scripted",
                           True if native is None else native, cfg.context)
    if cfg.provider == "openai":
        return ModelHandle(_openai(cfg, cfg.base_url, cfg.api_key, cfg.model), cfg.model,
                           True if native is None else native, cfg.context)
    if cfg.provider == "local":
        from agent.llm.local import LocalModelServer
        from agent.llm.weights import cached_path, spec_for, verify

        if cfg.model_path:
            path, name = Path(cfg.model_path).expanduser(), Path(cfg.model_path).name
            if not path.is_file():
                raise FileNotFoundError(f"SALESAGENT_MODEL_PATH={path} is not a file")
        else:
            spec = spec_for(cfg.model)
            path, name = cached_path(spec, cfg.model_cache_dir), spec.id
            if not path.exists():
                verify(spec, path)  # raises ModelMissing with the fetch command
        server = LocalModelServer(path, context=cfg.context, threads=cfg.threads).start()
        chat = _openai(cfg, server.base_url, "local", "local")
        return ModelHandle(chat, name, bool(native), cfg.context, [server])
    raise ValueError(f"unknown LLM provider {cfg.provider!r} (expected local, openai or scripted)")


def _openai(cfg: LlmConfig, base_url: str, api_key: str, model: str) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    # timeout bounds each HTTP call; max_retries covers connection errors, 408/409/429 and 5xx (openai client)
    return ChatOpenAI(model=model, base_url=base_url or None, api_key=api_key or "unused",
                      timeout=cfg.timeout_s, max_retries=cfg.max_retries, temperature=cfg.temperature,
                      max_tokens=cfg.max_tokens, stream_usage=True)
