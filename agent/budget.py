"""How a model's context window is shared: the answer's reserve, the retrieved passages, the history.

Counts are tiktoken's cl100k (offline). They are close to Qwen's for English and overcount Chinese, so a
budget built on them errs on the safe side; `SAFETY` covers the rest (chat-template tokens, tokenizer drift).
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.tokens import count_tokens

SAFETY = 0.9  # use at most this share of the window
PER_MESSAGE = 4  # role markers around each message in the chat template
CHUNK_MAX = 450  # the chunker's largest chunk (retrieval.chunking)
MIN_PASSAGE = 120


@dataclass(frozen=True)
class TokenBudget:
    context: int  # the model's window
    completion: int  # reserved for the answer (max_tokens)
    max_passages: int = 4

    @property
    def usable(self) -> int:
        return int(self.context * SAFETY) - self.completion

    def passages(self) -> tuple[int, int]:
        """(how many passages to retrieve up front, tokens kept of each). A sixteenth of the window goes to
        sources: a 4k local model gets two passages cut to the lines that answer (retrieval.excerpt), a
        32k+ hosted model four whole chunks. A local model reads 60-80 prompt tokens a second on two cores
        before its first word, so every source token there is waiting time."""
        total = max(MIN_PASSAGE, min(self.context // 16, self.max_passages * CHUNK_MAX))
        k = max(1, min(self.max_passages, total // MIN_PASSAGE))
        return k, max(MIN_PASSAGE, min(CHUNK_MAX, total // k))

    def history(self, system_tokens: int) -> int:
        """Tokens left for the conversation after the system prompt (which carries the sources)."""
        return max(0, self.usable - system_tokens)


def message_tokens(content: object) -> int:
    if isinstance(content, str):
        return count_tokens(content) + PER_MESSAGE
    if isinstance(content, list):  # content blocks
        return sum(count_tokens(p["text"]) if isinstance(p, dict) and isinstance(p.get("text"), str) else
                   count_tokens(p) if isinstance(p, str) else 0 for p in content) + PER_MESSAGE
    return PER_MESSAGE
