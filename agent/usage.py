"""Tokens and cost per model call, kept per conversation: the API shows a conversation's total, /metrics
the counters by model and direction. Counts are tiktoken's (offline, `retrieval.tokens`), the same for
every provider; prices come from settings (per model, per 1k input and output tokens)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Engine, Float, Integer, String, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from agent.conversations import ConversationBase
from tools.sqlbase import utcnow


class LlmUsage(ConversationBase):
    __tablename__ = "llm_usage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(32), default="")
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class Price:
    input_per_1k: float = 0.0
    output_per_1k: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return input_tokens / 1000 * self.input_per_1k + output_tokens / 1000 * self.output_per_1k


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    calls: int = 0


class UsageStore:
    def __init__(self, engine: Engine, prices: Mapping[str, Price] | None = None, currency: str = "USD"):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.prices = dict(prices or {})
        self.currency = currency

    def price(self, model: str) -> Price:
        return self.prices.get(model, Price())

    def record(self, conversation_id: str, model: str, input_tokens: int, output_tokens: int,
               prompt_version: str = "") -> float:
        cost = self.price(model).cost(input_tokens, output_tokens)
        with self._engine.begin() as conn:  # a plain INSERT: once per model call, inside the turn's latency
            conn.execute(insert(LlmUsage).values(conversation_id=conversation_id, model=model,
                                                 prompt_version=prompt_version, input_tokens=input_tokens,
                                                 output_tokens=output_tokens, cost=cost, created_at=utcnow()))
        return cost

    def conversation(self, conversation_id: str) -> dict[str, Usage]:
        """This conversation's usage per model."""
        with self._sessions() as s:
            rows = s.execute(select(LlmUsage.model, func.sum(LlmUsage.input_tokens), func.sum(LlmUsage.output_tokens),
                                    func.sum(LlmUsage.cost), func.count())
                             .where(LlmUsage.conversation_id == conversation_id).group_by(LlmUsage.model)).all()
        return {m: Usage(int(i or 0), int(o or 0), float(c or 0.0), int(n)) for m, i, o, c, n in rows}

    def totals(self) -> dict[str, Usage]:
        """All conversations, per model (the /metrics counters)."""
        with self._sessions() as s:
            rows = s.execute(select(LlmUsage.model, func.sum(LlmUsage.input_tokens), func.sum(LlmUsage.output_tokens),
                                    func.sum(LlmUsage.cost), func.count()).group_by(LlmUsage.model)).all()
        return {m: Usage(int(i or 0), int(o or 0), float(c or 0.0), int(n)) for m, i, o, c, n in rows}
