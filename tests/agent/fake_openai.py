"""A fake OpenAI-compatible server (the outside world, faithfully): /<mode>/v1/chat/completions answers the
way a real endpoint does, in JSON or as server-sent chunks, or fails the way real ones fail;
/<mode>/v1/embeddings returns one unit vector per input (hashed words, so shared words mean similar vectors).

Modes: good (an answer), garbage (degenerate repetition), empty (no content), badjson (a 200 whose body is
not JSON), error (HTTP 500 with OpenAI's error body), slow (answers after `slow_s`)."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD = "I don't know that from our documentation; I can connect you with a person from our team."
GARBAGE = "buy now " * 60
EMBEDDING_DIM = 64


def _hashed_vector(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    vec = [0.0] * dim
    for word in text.lower().split():
        vec[int(hashlib.blake2b(word.encode(), digest_size=4).hexdigest(), 16) % dim] += 1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


class FakeOpenAI:
    def __init__(self, slow_s: float = 3.0):
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.slow_s = slow_s
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                mode = self.path.strip("/").split("/")[0]
                fake.requests.append((mode, body))
                if self.path.endswith("/embeddings"):
                    return self._embeddings(body)
                if not self.path.endswith("/chat/completions"):
                    return self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                if mode == "error":
                    return self._json(500, {"error": {"message": "The server had an error", "type": "server_error",
                                                      "param": None, "code": None}})
                if mode == "badjson":
                    return self._raw(200, b"<html>502 Bad Gateway</html>", "application/json")
                if mode == "slow":
                    time.sleep(fake.slow_s)
                text = {"good": GOOD, "slow": GOOD, "garbage": GARBAGE, "empty": ""}.get(mode, GOOD)
                if body.get("stream"):
                    return self._stream(body, text)
                return self._json(200, {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", ""), "system_fingerprint": None,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                                 "logprobs": None, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": len(text.split()),
                              "total_tokens": 100 + len(text.split())}})

            def _stream(self, body: dict[str, Any], text: str) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": body.get("model", ""), "system_fingerprint": None}
                pieces = [w + " " for w in text.split(" ") if w] or [""]
                for i, piece in enumerate(pieces):
                    delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                    self._event({**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                      "finish_reason": None}]})
                self._event({**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]})
                if (body.get("stream_options") or {}).get("include_usage"):
                    self._event({**base, "choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": len(pieces),
                                                                  "total_tokens": 100 + len(pieces)}})
                self.wfile.write(b"data: [DONE]\n\n")

            def _embeddings(self, body: dict[str, Any]) -> None:
                texts = [body["input"]] if isinstance(body.get("input"), str) else list(body.get("input") or [])
                if not texts:
                    return self._json(400, {"error": {"message": "'input' must not be empty",
                                                      "type": "invalid_request_error", "param": "input", "code": None}})
                words = sum(len(t.split()) for t in texts)
                self._json(200, {"object": "list", "model": body.get("model", ""),
                                 "data": [{"object": "embedding", "index": i, "embedding": _hashed_vector(t)}
                                          for i, t in enumerate(texts)],
                                 "usage": {"prompt_tokens": words, "total_tokens": words}})

            def _event(self, data: dict[str, Any]) -> None:
                self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()

            def _json(self, status: int, data: dict[str, Any]) -> None:
                self._raw(status, json.dumps(data).encode(), "application/json")

            def _raw(self, status: int, payload: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/v1"

    def count(self, mode: str) -> int:
        return sum(1 for m, _ in self.requests if m == mode)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
