"""A local stand-in for Slack's Web API, faithful where our code depends on it.

It listens on 127.0.0.1 (a free port), takes the same requests slack_sdk sends (JSON, form or query
arguments, `Authorization: Bearer`), answers with Slack's response shapes and error codes, validates
the limits Slack enforces (40,000-character text, 3,000-character section text, 50 blocks, 12,000
characters of streamed markdown, 4 suggested prompts), keeps the messages it was sent so updates and
streams behave like Slack's, records every call, and can answer 429 with Retry-After or fail a method.
It also receives `response_url` posts (slash command responses) under /hooks/.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSON_ARGS = {"blocks", "attachments", "view", "prompts", "loading_messages", "chunks", "metadata"}
TEXT_LIMIT = 40_000
SECTION_LIMIT = 3_000
MARKDOWN_LIMIT = 12_000


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


class SlackError(Exception):
    def __init__(self, error: str, **extra: Any):
        super().__init__(error)
        self.error, self.extra = error, extra


class FakeSlack:
    def __init__(self, *, token: str = "xoxb-fake-token", team_id: str = "T0LUMEN001",  # noqa: S107
                 bot_user_id: str = "U0SALESBOT", bot_id: str = "B0SALESBOT"):
        self.token, self.team_id, self.bot_user_id, self.bot_id = token, team_id, bot_user_id, bot_id
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._clock = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                fake._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self)

            def log_message(self, *_: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def hook_url(self, name: str) -> str:
        return f"{self.base}/hooks/{name}"

    # -- test controls --------------------------------------------------------------------------

    def add_user(self, user_id: str, *, team_id: str | None = None, name: str = "", locale: str = "en-US",
                 is_stranger: bool = False, tz: str = "UTC") -> None:
        self.users[user_id] = {"id": user_id, "team_id": team_id or self.team_id, "name": name or user_id.lower(),
                               "real_name": name, "tz": tz, "locale": locale, "is_bot": False,
                               "is_stranger": is_stranger, "deleted": False}

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` get HTTP 429 with Retry-After."""
        with self._lock:
            self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error}."""
        with self._lock:
            self._failures.setdefault(method, []).extend([error] * times)

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[dict[str, Any]]:
        with self._lock:
            return [c.args for c in self.calls if c.method == method
                    and (not ok_only or (c.status == 200 and c.response.get("ok", True)))]

    def responses_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.response for c in self.calls if c.method == method and c.response.get("ok")]

    def all_calls(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} successful {method} call(s), saw {len(self.calls_to(method))}; "
                             f"calls: {self.methods()}")

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Messages the app left in a thread (final state), oldest first."""
        with self._lock:
            found = [m for (c, _), m in self.messages.items()
                     if c == channel and (m.get("thread_ts") == thread_ts or m["ts"] == thread_ts)]
        return sorted(found, key=lambda m: m["ts"])

    # -- HTTP -----------------------------------------------------------------------------------

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(url.query).items()}
        raw = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/json" and raw:
            args.update(json.loads(raw))
        elif raw:
            args.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
        for key in JSON_ARGS & set(args):
            if isinstance(args[key], str) and args[key][:1] in "[{":
                args[key] = json.loads(args[key])
        if url.path.startswith("/hooks/"):
            self._record(Call("response_url", {"hook": url.path[7:], **args}, time.monotonic()))
            return self._send(req, 200, b"ok", "text/plain")
        method = url.path.removeprefix("/api/")
        auth = req.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else str(args.pop("token", ""))
        args.pop("token", None)
        call = Call(method, args, time.monotonic())
        with self._lock:
            wait = self._rate_limits.get(method)
            retry_after = wait.pop(0) if wait else None
        if retry_after is not None:
            call.status, call.response = 429, {"ok": False, "error": "ratelimited"}
            self._record(call)
            return self._send(req, 429, json.dumps(call.response).encode(), headers={"Retry-After": str(retry_after)})
        try:
            if not token:
                raise SlackError("not_authed")
            if token != self.token:
                raise SlackError("invalid_auth")
            with self._lock:
                failures = self._failures.get(method)
                forced = failures.pop(0) if failures else None
            if forced:
                raise SlackError(forced)
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None:
                raise SlackError("unknown_method", req_method=method)
            with self._lock:
                body = {"ok": True, **handler(args)}
        except SlackError as exc:
            body = {"ok": False, "error": exc.error, **exc.extra}
        call.response = body
        self._record(call)
        self._send(req, 200, json.dumps(body).encode())

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.send_header("X-Slack-Req-Id", f"fake-{time.monotonic_ns()}")
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(body)

    # -- helpers for the methods (called with the lock held) ------------------------------------

    def _ts(self) -> str:
        return f"{1_760_000_000 + next(self._clock)}.{next(self._clock) % 1_000_000:06d}"

    @staticmethod
    def _need(args: dict[str, Any], *names: str) -> None:
        for name in names:
            if args.get(name) in (None, ""):
                raise SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing required "
                                                                                      f"field: {name}"]})

    @staticmethod
    def _check_channel(channel: str) -> None:
        if not channel or channel[0] not in "CDG":
            raise SlackError("channel_not_found")

    @staticmethod
    def _check_blocks(blocks: Any, limit: int = 50) -> None:
        if blocks is None:
            return
        if not isinstance(blocks, list) or len(blocks) > limit:
            raise SlackError("invalid_blocks", errors=[f"no more than {limit} items allowed"])
        for i, block in enumerate(blocks):
            kind = block.get("type")
            if kind == "section":
                text = (block.get("text") or {}).get("text", "")
                if len(text) > SECTION_LIMIT:
                    raise SlackError("invalid_blocks", errors=[f"must be less than 3001 characters [json-pointer:"
                                                               f"/blocks/{i}/text/text]"])
                if not text and not block.get("fields"):
                    raise SlackError("invalid_blocks", errors=[f"missing text [json-pointer:/blocks/{i}]"])
                if len(block.get("fields") or []) > 10:
                    raise SlackError("invalid_blocks", errors=[f"too many fields [json-pointer:/blocks/{i}]"])
            elif kind == "header" and len((block.get("text") or {}).get("text", "")) > 150:
                raise SlackError("invalid_blocks", errors=[f"header over 150 characters [json-pointer:/blocks/{i}]"])
            elif kind == "context" and not 1 <= len(block.get("elements") or []) <= 10:
                raise SlackError("invalid_blocks", errors=[f"context needs 1-10 elements [json-pointer:/blocks/{i}]"])
            elif kind == "actions" and not 1 <= len(block.get("elements") or []) <= 25:
                raise SlackError("invalid_blocks", errors=[f"actions needs 1-25 elements [json-pointer:/blocks/{i}]"])
            elif kind not in {"section", "header", "context", "actions", "divider", "input", "markdown", "rich_text"}:
                raise SlackError("invalid_blocks", errors=[f"unknown block type {kind!r}"])

    def _check_text(self, args: dict[str, Any]) -> None:
        if not args.get("text") and not args.get("blocks"):
            raise SlackError("no_text")
        if len(str(args.get("text") or "")) > TEXT_LIMIT:
            raise SlackError("msg_too_long")
        self._check_blocks(args.get("blocks"))

    def _message(self, channel: str, ts: str) -> dict[str, Any]:
        found = self.messages.get((channel, ts))
        if found is None:
            raise SlackError("message_not_found")
        return found

    # -- methods --------------------------------------------------------------------------------

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://lumen-fake.slack.com/", "team": "Lumen Analytics", "user": "salesagent",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel")
        self._check_channel(args["channel"])
        self._check_text(args)
        ts = self._ts()
        msg = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "ts": ts,
               "text": args.get("text", ""), "blocks": args.get("blocks"), "thread_ts": args.get("thread_ts"),
               "state": "posted", "updates": 0}
        self.messages[(args["channel"], ts)] = msg
        return {"channel": args["channel"], "ts": ts,
                "message": {k: v for k, v in msg.items() if k not in {"state", "updates"} and v is not None}}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel", "ts")
        msg = self._message(args["channel"], args["ts"])
        self._check_text(args)
        msg.update(text=args.get("text", ""), blocks=args.get("blocks"), updates=msg["updates"] + 1,
                   state="posted")
        return {"channel": args["channel"], "ts": args["ts"], "text": msg["text"],
                "message": {"type": "message", "text": msg["text"], "user": self.bot_user_id}}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel", "user")
        self._check_channel(args["channel"])
        self._check_text(args)
        return {"message_ts": self._ts()}

    def _m_chat_startStream(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel", "thread_ts")
        self._check_channel(args["channel"])
        if not args["channel"].startswith("D") and not (args.get("recipient_user_id") and args.get("recipient_team_id")):
            raise SlackError("invalid_arguments", response_metadata={"messages": [
                "[ERROR] recipient_user_id and recipient_team_id are required outside DMs"]})
        text = str(args.get("markdown_text") or "")
        if len(text) > MARKDOWN_LIMIT:
            raise SlackError("msg_too_long")
        ts = self._ts()
        self.messages[(args["channel"], ts)] = {"type": "message", "user": self.bot_user_id, "ts": ts, "text": text,
                                                "blocks": None, "thread_ts": args["thread_ts"], "state": "streaming",
                                                "updates": 0, "streamed": text}
        return {"channel": args["channel"], "ts": ts}

    def _m_chat_appendStream(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel", "ts")
        msg = self._message(args["channel"], args["ts"])
        if msg["state"] != "streaming":
            raise SlackError("message_not_in_streaming_state")
        text = str(args.get("markdown_text") or "") + "".join(
            c.get("text", "") for c in args.get("chunks") or [] if c.get("type") == "markdown_text")
        if len(text) > MARKDOWN_LIMIT:
            raise SlackError("msg_too_long")
        msg["streamed"] += text
        msg["text"] = msg["streamed"]
        return {"channel": args["channel"], "ts": args["ts"]}

    def _m_chat_stopStream(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel", "ts")
        msg = self._message(args["channel"], args["ts"])
        if msg["state"] != "streaming":
            raise SlackError("message_not_in_streaming_state")
        msg["streamed"] += str(args.get("markdown_text") or "") + "".join(
            c.get("text", "") for c in args.get("chunks") or [] if c.get("type") == "markdown_text")
        msg.update(text=msg["streamed"], state="posted")
        return {"channel": args["channel"], "ts": args["ts"], "message": {"type": "message", "text": msg["text"]}}

    def _m_assistant_threads_setStatus(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel_id", "thread_ts")
        if "status" not in args:
            raise SlackError("invalid_arguments")
        if len(args.get("loading_messages") or []) > 10:
            raise SlackError("invalid_arguments")
        return {}

    def _m_assistant_threads_setSuggestedPrompts(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel_id", "thread_ts", "prompts")
        prompts = args["prompts"]
        if not isinstance(prompts, list) or not 1 <= len(prompts) <= 4 or \
                not all(p.get("title") and p.get("message") for p in prompts):
            raise SlackError("invalid_arguments")
        return {}

    def _m_assistant_threads_setTitle(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "channel_id", "thread_ts", "title")
        return {}

    def _view(self, view: Any, kind: str) -> dict[str, Any]:
        if not isinstance(view, dict) or view.get("type") != kind:
            raise SlackError("invalid_arguments")
        title = (view.get("title") or {}).get("text", "")
        if kind == "modal" and not 1 <= len(title) <= 24:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["title must be 1-24 characters"]})
        self._check_blocks(view.get("blocks"), limit=100)
        return {"id": f"V{next(self._clock):09d}", "team_id": self.team_id, **view, "state": {"values": {}},
                "hash": f"{time.time():.6f}.fake"}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "trigger_id", "view")
        return {"view": self._view(args["view"], "modal")}

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "user_id", "view")
        return {"view": self._view(args["view"], "home")}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "user")
        user = self.users.get(args["user"])
        if user is None:
            raise SlackError("user_not_found")
        include_locale = str(args.get("include_locale", "")).lower() in {"1", "true"}
        return {"user": {k: v for k, v in user.items() if k != "locale" or include_locale}}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._need(args, "users")
        users = str(args["users"]).split(",")
        if any(u not in self.users for u in users):
            raise SlackError("user_not_found")
        return {"channel": {"id": "D" + users[0][1:].ljust(10, "0")[:10]}}
