"""A local fake of WeCom's server API for tests, benchmarks and demos: real HTTP on 127.0.0.1.

Faithful where it matters to us: access tokens expire (errcode 42001) and unknown ones are invalid
(40014); app messages over 30/min or 1,000/h per member are *silently dropped* (errcode 0, nothing
delivered), like the real service; the duplicate check drops a repeat of the same content; OAuth codes
work once; jsapi tickets, external contacts and customer-service (kf) messages behave like the docs say.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.wecom.pacing import PER_HOUR, PER_MINUTE, Clock, RealClock


@dataclass
class Delivered:
    to_user: str
    text: str
    at: float
    open_kfid: str | None = None


@dataclass
class FakeState:
    corp_id: str
    secret: str
    agent_id: str
    token_ttl: int = 7200
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    delivered: list[Delivered] = field(default_factory=list)  # what members/customers actually saw
    dropped: list[Delivered] = field(default_factory=list)  # silently discarded (rate limit)
    accepted: dict[str, list[float]] = field(default_factory=dict)  # member -> accept times
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # external_userid -> profile
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # OAuth code -> (userid, expires)
    kf_messages: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[int, int]] = field(default_factory=list)  # (HTTP status, errcode) to answer next
    calls: list[str] = field(default_factory=list)
    corp_ticket: str = field(default_factory=lambda: "corp-ticket-" + secrets.token_hex(8))
    agent_ticket: str = field(default_factory=lambda: "agent-ticket-" + secrets.token_hex(8))


class FakeWeComApi:
    def __init__(self, *, corp_id: str = "wwfakecorp0001", secret: str = "fake-secret",  # noqa: S107 - a fake
                 agent_id: str = "1000002", clock: Clock | None = None, token_ttl: int = 7200):
        self.clock = clock or RealClock()
        self.state = FakeState(corp_id, secret, agent_id, token_ttl)
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeWeComApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._answer(None)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                self._answer(body if isinstance(body, dict) else {"__invalid__": True})

            def _answer(self, body: dict[str, Any] | None) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, payload = fake.handle(self.command, parts.path, query, body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wecom", daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeWeComApi:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- test controls --------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            self.state.tokens = {t: self.clock.now() - 1 for t in self.state.tokens}

    def issue_code(self, userid: str, ttl: float = 300) -> str:
        code = secrets.token_hex(16)
        with self.lock:
            self.state.codes[code] = (userid, self.clock.now() + ttl)
        return code

    def add_contact(self, external_userid: str, name: str, follow_users: list[str], corp_name: str = "") -> None:
        with self.lock:
            self.state.contacts[external_userid] = {
                "external_contact": {"external_userid": external_userid, "name": name, "type": 1,
                                     "corp_name": corp_name, "gender": 0},
                "follow_user": [{"userid": u, "remark": "", "createtime": int(self.clock.now())}
                                for u in follow_users]}

    def customer_says(self, external_userid: str, open_kfid: str, text: str) -> str:
        """A customer writes to customer service; returns the msgid. The callback is the caller's job."""
        msgid = "kfmsg-" + secrets.token_hex(8)
        with self.lock:
            self.state.kf_messages.append({"msgid": msgid, "open_kfid": open_kfid, "external_userid": external_userid,
                                           "send_time": int(self.clock.now()), "origin": 3, "msgtype": "text",
                                           "text": {"content": text}})
        return msgid

    def fail(self, times: int = 1, *, status: int = 200, errcode: int = -1) -> None:
        with self.lock:
            self.state.fail_next.extend([(status, errcode)] * times)

    def messages_to(self, user: str) -> list[Delivered]:
        with self.lock:
            return [d for d in self.state.delivered if d.to_user == user]

    # -- the API ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, q: dict[str, str], body: dict[str, Any] | None) -> tuple[int, dict]:
        s, now = self.state, self.clock.now()
        with self.lock:
            s.calls.append(path)
            if s.fail_next and path != "/cgi-bin/gettoken":
                status, code = s.fail_next.pop(0)
                return status, {"errcode": code, "errmsg": "system busy"}
            if path == "/cgi-bin/gettoken":
                if q.get("corpid") != s.corp_id or q.get("corpsecret") != s.secret:
                    return 200, {"errcode": 40001, "errmsg": "invalid credential"}
                token = "tok-" + secrets.token_hex(12)
                s.tokens[token] = now + s.token_ttl
                return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": s.token_ttl}
            token = q.get("access_token", "")
            if not token:
                return 200, {"errcode": 41001, "errmsg": "access_token missing"}
            if token not in s.tokens:
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
            if s.tokens[token] <= now:
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            if body and body.get("__invalid__"):
                return 200, {"errcode": 47001, "errmsg": "data format error"}
            route = {
                ("POST", "/cgi-bin/message/send"): self._message_send,
                ("POST", "/cgi-bin/kf/send_msg"): self._kf_send,
                ("POST", "/cgi-bin/kf/sync_msg"): self._kf_sync,
                ("GET", "/cgi-bin/externalcontact/get"): self._external_contact,
                ("GET", "/cgi-bin/auth/getuserinfo"): self._getuserinfo,
                ("GET", "/cgi-bin/get_jsapi_ticket"): lambda q, b, n: {"ticket": s.corp_ticket, "expires_in": 7200},
                ("GET", "/cgi-bin/ticket/get"): self._agent_ticket,
            }.get((method, path))
            if route is None:
                return 404, {"errcode": 404, "errmsg": f"no such API {method} {path}"}
            result = route(q, body or {}, now)
            return 200, {"errcode": 0, "errmsg": "ok", **result} if "errcode" not in result else result

    def _message_send(self, _q: dict[str, str], b: dict[str, Any], now: float) -> dict[str, Any]:
        s = self.state
        if str(b.get("agentid")) != s.agent_id or b.get("msgtype") != "text":
            return {"errcode": 40056, "errmsg": "invalid agentid or msgtype"}
        content = str((b.get("text") or {}).get("content", ""))
        if not content or len(content.encode()) > 2048:
            return {"errcode": 44004, "errmsg": "empty or too long content"}
        for user in str(b.get("touser", "")).split("|"):
            msg = Delivered(user, content, now)
            window = b.get("duplicate_check_interval", 1800)
            if b.get("enable_duplicate_check") and any(
                    d.to_user == user and d.text == content and d.at > now - window for d in s.delivered):
                continue  # WeCom drops the repeat without an error
            times = [t for t in s.accepted.get(user, []) if t > now - 3600]
            if sum(t > now - 60 for t in times) >= PER_MINUTE or len(times) >= PER_HOUR:
                s.dropped.append(msg)  # over the per-member limit: silently gone
                continue
            s.accepted[user] = [*times, now]
            s.delivered.append(msg)
        return {"invaliduser": "", "msgid": "msg-" + secrets.token_hex(8)}

    def _kf_send(self, _q: dict[str, str], b: dict[str, Any], now: float) -> dict[str, Any]:
        content = str((b.get("text") or {}).get("content", ""))
        if not b.get("touser") or not b.get("open_kfid") or not content:
            return {"errcode": 40003, "errmsg": "invalid touser/open_kfid/content"}
        self.state.delivered.append(Delivered(str(b["touser"]), content, now, str(b["open_kfid"])))
        return {"msgid": "kf-" + secrets.token_hex(8)}

    def _kf_sync(self, _q: dict[str, str], b: dict[str, Any], _now: float) -> dict[str, Any]:
        start = int(b.get("cursor") or 0)
        limit = int(b.get("limit") or 1000)
        msgs = [m for m in self.state.kf_messages if not b.get("open_kfid") or m["open_kfid"] == b["open_kfid"]]
        page = msgs[start:start + limit]
        return {"next_cursor": str(start + len(page)), "has_more": int(start + len(page) < len(msgs)),
                "msg_list": page}

    def _external_contact(self, q: dict[str, str], _b: dict[str, Any], _now: float) -> dict[str, Any]:
        contact = self.state.contacts.get(q.get("external_userid", ""))
        if contact is None:
            return {"errcode": 84061, "errmsg": "not external contact"}
        return json.loads(json.dumps(contact))

    def _getuserinfo(self, q: dict[str, str], _b: dict[str, Any], now: float) -> dict[str, Any]:
        userid, expires = self.state.codes.pop(q.get("code", ""), ("", 0.0))  # a code works once
        if not userid or expires <= now:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"userid": userid}

    def _agent_ticket(self, q: dict[str, str], _b: dict[str, Any], _now: float) -> dict[str, Any]:
        if q.get("type") != "agent_config":
            return {"errcode": 40097, "errmsg": "invalid type"}
        return {"ticket": self.state.agent_ticket, "expires_in": 7200}
