"""The WeCom server API over httpx: access_token cache and refresh, retries with backoff, and the few
calls we use. Tokens and secrets never reach a log line (httpx logs URLs; a filter redacts them)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from channels.wecom.pacing import Clock, RealClock

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40014, 42001, 41001}  # invalid, expired, missing access_token: refresh and retry once
BUSY_ERRORS = {-1, 45009, 45033}  # system busy, API frequency limit: back off and retry
TOKEN_MARGIN_S = 300  # refresh this long before WeCom says the token expires
SECRET_IN_URL = re.compile(r"((?:access_token|corpsecret|code)=)[^&\s\"']+")


class WeComError(Exception):
    def __init__(self, errcode: int, errmsg: str, path: str):
        super().__init__(f"WeCom {path} failed: errcode {errcode} ({errmsg})")
        self.errcode, self.errmsg = errcode, errmsg


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = SECRET_IN_URL.sub(r"\1***", str(record.msg))
        return True


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_Redact())


class WeComClient:
    def __init__(self, *, base_url: str, corp_id: str, secret: str, agent_id: str, clock: Clock | None = None,
                 http: httpx.Client | None = None, max_attempts: int = 4, backoff_s: float = 0.5):
        self.base_url = base_url.rstrip("/")
        self.corp_id, self.agent_id = corp_id, str(agent_id)
        self._secret = secret
        self._clock = clock or RealClock()
        self._http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))
        self._attempts, self._backoff = max_attempts, backoff_s
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None
        self._tickets: dict[str, tuple[str, float]] = {}
        self.token_fetches = 0

    def close(self) -> None:
        self._http.close()

    # -- access_token -----------------------------------------------------------------------

    def access_token(self, *, force: bool = False) -> str:
        with self._lock:
            now = self._clock.now()
            if force or self._token is None or self._token[1] <= now:
                data = self._request("GET", "/cgi-bin/gettoken", {"corpid": self.corp_id, "corpsecret": self._secret})
                self._token = (data["access_token"], now + int(data.get("expires_in", 7200)) - TOKEN_MARGIN_S)
                self.token_fetches += 1
            return self._token[0]

    def _invalidate(self, token: str) -> None:
        with self._lock:
            if self._token and self._token[0] == token:
                self._token = None

    # -- the call loop ------------------------------------------------------------------------

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
             json: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One API call with a valid token: refreshes on token errors, backs off on busy/network errors."""
        refreshed = False
        while True:
            token = self.access_token()
            try:
                return self._request(method, path, {**(params or {}), "access_token": token}, json)
            except WeComError as exc:
                if exc.errcode in TOKEN_ERRORS and not refreshed:
                    log.info("WeCom access_token rejected (errcode %s); refreshing", exc.errcode)
                    self._invalidate(token)
                    refreshed = True
                    continue
                raise

    def _request(self, method: str, path: str, params: Mapping[str, Any],
                 json: Mapping[str, Any] | None = None) -> dict[str, Any]:
        last: Exception | None = None
        for attempt in range(self._attempts):
            if attempt:
                self._clock.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                resp = self._http.request(method, self.base_url + path, params=dict(params), json=json)
            except httpx.TransportError as exc:
                last = exc
                log.warning("WeCom %s: %s (attempt %d)", path, type(exc).__name__, attempt + 1)
                continue
            if resp.status_code >= 500 or resp.status_code == 429:
                last = WeComError(-1, f"HTTP {resp.status_code}", path)
                continue
            try:
                data = resp.json()
            except ValueError:
                last = WeComError(-1, f"HTTP {resp.status_code}, not JSON", path)
                continue
            code = int(data.get("errcode", 0) or 0)
            if code in BUSY_ERRORS:
                last = WeComError(code, str(data.get("errmsg", "")), path)
                continue
            if code:
                raise WeComError(code, str(data.get("errmsg", "")), path)
            return data
        assert last is not None
        if isinstance(last, WeComError):
            raise last
        raise WeComError(-1, f"unreachable: {type(last).__name__}", path) from last

    # -- the calls we use -----------------------------------------------------------------------

    def send_text(self, to_user: str, text: str) -> dict[str, Any]:
        """An app message to a member. Duplicate check on: a resend after a crash is not shown twice."""
        return self.call("POST", "/cgi-bin/message/send", json={
            "touser": to_user, "msgtype": "text", "agentid": _int(self.agent_id), "text": {"content": text},
            "enable_duplicate_check": 1, "duplicate_check_interval": 1800})

    def kf_send_text(self, to_user: str, open_kfid: str, text: str) -> dict[str, Any]:
        """A customer-service (微信客服) reply to an external customer."""
        return self.call("POST", "/cgi-bin/kf/send_msg", json={
            "touser": to_user, "open_kfid": open_kfid, "msgtype": "text", "text": {"content": text}})

    def kf_sync(self, *, token: str, cursor: str, open_kfid: str, limit: int = 1000) -> dict[str, Any]:
        return self.call("POST", "/cgi-bin/kf/sync_msg", json={
            "cursor": cursor, "token": token, "limit": limit, "open_kfid": open_kfid})

    def external_contact(self, external_userid: str) -> dict[str, Any]:
        return self.call("GET", "/cgi-bin/externalcontact/get", params={"external_userid": external_userid})

    def user_from_code(self, code: str) -> str:
        """The member behind an OAuth code (auth/getuserinfo); WeCom issues each code for one use."""
        data = self.call("GET", "/cgi-bin/auth/getuserinfo", params={"code": code})
        userid = data.get("userid") or data.get("UserId") or ""
        if not userid:
            raise WeComError(46004, "the code belongs to no member of this corp", "/cgi-bin/auth/getuserinfo")
        return str(userid)

    def jsapi_ticket(self, kind: str = "corp") -> str:
        """The corp (wx.config) or agent (agentConfig / ww.register) jsapi_ticket, cached until expiry."""
        with self._lock:
            cached = self._tickets.get(kind)
            if cached and cached[1] > self._clock.now():
                return cached[0]
        if kind == "corp":
            data = self.call("GET", "/cgi-bin/get_jsapi_ticket")
        else:
            data = self.call("GET", "/cgi-bin/ticket/get", params={"type": "agent_config"})
        with self._lock:
            self._tickets[kind] = (data["ticket"], self._clock.now() + int(data.get("expires_in", 7200)) - TOKEN_MARGIN_S)
        return data["ticket"]


def _int(value: str) -> int | str:
    return int(value) if value.isdigit() else value
