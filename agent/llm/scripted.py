"""A scripted chat model shipped in the package: deterministic tests and demos without a model.

Each call takes the next step of the script: an `AIMessage`, a string, or a function of the messages
the model was given. When the script runs out it answers extractively from the sources in its
system prompt, so a demo without a model still gives grounded, cited answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from retrieval.citations import SENTENCE

Step = AIMessage | str | Callable[[list[BaseMessage]], AIMessage | str]

SOURCE_BLOCK = re.compile(r"^\[(\d+)\][^\n]*\n(.*?)(?=^\[\d+\]|\Z)", re.S | re.M)
WORD = re.compile(r"[a-z0-9$¥€%.]+|[\u4e00-\u9fff]", re.I)
STOP = {"the", "a", "an", "is", "are", "of", "to", "and", "or", "in", "for", "how", "what", "much", "do",
        "does", "i", "you", "we", "it", "can", "with", "on", "my", "your", "be", "this", "that", "吗", "的",
        "么", "什", "我", "你", "是", "有", "多", "少"}


class ScriptedChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    call_kwargs: list[dict[str, Any]] = Field(default_factory=list)  # what each call was bound with (extra_body…)
    bound_tools: list[Any] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **_: Any) -> ScriptedChatModel:
        # The fake chat models in langchain-core lack bind_tools; agents need it. Remember, return self.
        self.bound_tools = list(tools)
        return self

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        self.calls.append(list(messages))
        step: Step | None = self.script.pop(0) if self.script else None
        if step is None:
            return AIMessage(content=extractive_answer(messages))
        if callable(step) and not isinstance(step, AIMessage):
            step = step(list(messages))
        return step if isinstance(step, AIMessage) else AIMessage(content=str(step))

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        self.call_kwargs.append(dict(kwargs))
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        self.call_kwargs.append(dict(kwargs))
        message = self._next(messages)
        if message.tool_calls:
            yield ChatGenerationChunk(message=AIMessageChunk(content=message.content, tool_call_chunks=[
                {"name": tc["name"], "args": _json(tc["args"]), "id": tc["id"], "index": i}
                for i, tc in enumerate(message.tool_calls)]))
            return
        for piece in re.findall(r"\S+\s*|\s+", str(message.content)) or [""]:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


def _json(args: dict[str, Any]) -> str:
    import json

    return json.dumps(args, ensure_ascii=False)


def extractive_answer(messages: list[BaseMessage]) -> str:
    """Answer with the source sentence that best matches the last question, citing it as [n]."""
    system = next((m.content for m in messages if isinstance(m, SystemMessage)), "")
    question = next((m.content for m in reversed(messages) if isinstance(m, HumanMessage)), "")
    chinese = bool(re.search(r"[\u4e00-\u9fff]", str(question)))
    q_words = {w.lower() for w in WORD.findall(str(question))} - STOP
    best, best_n, best_score = "", 0, 0.0
    for match in SOURCE_BLOCK.finditer(str(system)):
        n, body = int(match.group(1)), match.group(2)
        header: list[str] = []
        for sent in SENTENCE.finditer(body):
            raw = sent.group(0).strip()
            if raw.startswith("|"):
                cells = [c.strip() for c in raw.strip("|").split("|")]
                if not header:
                    header = cells
                    continue
                if all(set(c) <= set("-: ") for c in cells):
                    continue
                # a table row reads better with its column names
                text = "; ".join(f"{h}: {c}" for h, c in zip(header, cells, strict=False) if c)
            else:
                header = []
                text = raw.strip(" -*#\t")
            words = {w.lower() for w in WORD.findall(text)}
            score = len(words & q_words) / (len(words) ** 0.3 + 1)
            if score > best_score:
                best, best_n, best_score = text, n, score
    if not best:
        return ("抱歉，我们的资料里没有这个问题的答案。需要我为您转接销售同事吗？" if chinese else
                "I'm sorry, our documentation doesn't cover that. Would you like me to connect you with a person from our team?")
    return f"根据我们的资料：{best} [{best_n}]" if chinese else f"According to our documentation: {best} [{best_n}]"
