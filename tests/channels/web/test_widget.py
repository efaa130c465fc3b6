"""The embeddable widget: its endpoints, CORS for allowed sites only, and the real thing in headless
Chromium embedded on another origin at a phone-sized viewport (send, stream, sources, consent,
human takeover, reload keeps the conversation)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agent.llm.local import free_port
from channels.web.access import KEY_HEADER
from channels.web.widget import NOTICES, notice_version
from tests.channels.browser import chromium, live_server, local_only, require_browser

W = "#salesagent-widget"  # Playwright's CSS pierces the widget's open shadow root
# Keeps a copy of what the widget reads from the SSE endpoint (Chromium does not keep streamed bodies).
TEE_STREAM = """
window.__stream = "";
const realFetch = window.fetch;
window.fetch = async (...args) => {
  const r = await realFetch(...args);
  if (!String(args[0]).endsWith("/stream") || !r.body) return r;
  const [mine, copy] = r.body.tee(), reader = copy.getReader(), dec = new TextDecoder();
  (async () => { for (;;) { const {value, done} = await reader.read(); if (done) break;
                            window.__stream += dec.decode(value, {stream: true}); } })();
  return new Response(mine, {status: r.status, headers: r.headers});
};
"""


@contextmanager
def host_site(port: int, app_base: str) -> Iterator[str]:
    """Somebody else's website (another origin) that embeds the widget with one script tag."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            lang = "zh" if self.path.startswith("/zh") else "en"
            page = (f"<!doctype html><html><head><meta name='viewport' content='width=device-width, initial-scale=1'>"
                    f"<title>Vendor site</title></head><body><h1>Welcome</h1>"
                    f"<script src='{app_base}/widget.js' data-title='Lumen Analytics' data-lang='{lang}' async></script>"
                    f"</body></html>").encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def widget_app(data_dir):  # noqa: ANN001, ANN201
    from sqlalchemy.orm import Session

    from app.api import create_app
    from app.container import Container
    from app.demo.seed import load_tenant, seed_crm
    from tests.conftest import make_settings

    app_port, site_port = free_port(), free_port()
    c = Container(make_settings(data_dir, widget_allowed_origins=[f"http://127.0.0.1:{site_port}"]))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    yield c, create_app(c), app_port, site_port
    c.close()


def test_widget_endpoints_and_cors(widget_app):
    from fastapi.testclient import TestClient

    c, app, _, site_port = widget_app
    site = f"http://127.0.0.1:{site_port}"
    with TestClient(app) as client:
        js = client.get("/widget.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("application/javascript")
        assert "attachShadow" in js.text and "/v1/widget/consent" in js.text
        zh = client.get("/v1/widget/notice?lang=zh").json()
        assert zh["text"] == NOTICES["zh"] and zh["version"] == notice_version(NOTICES["zh"])
        ok = client.post("/v1/widget/consent", json={"conversation_id": "web-1", "decision": "granted",
                                                      "language": "zh", "notice_version": zh["version"]})
        assert ok.status_code == 201 and ok.json()["recorded"] is True
        assert ok.headers[KEY_HEADER] == ok.json()["conversation_key"] == c.web_access.key_for("web-1")
        # an anonymous visitor's answer is audited; consent in the ledger belongs to a known contact
        [entry] = [e for e in c.audit.entries() if e.action == "consent.widget_granted"]
        assert entry.subject == "conversation:web-1" and entry.detail["notice_version"] == zh["version"]
        c.conversations.ensure("web-2", channel="web", contact_id="con-002")
        answer = {"conversation_id": "web-2", "decision": "granted", "language": "zh", "notice_version": zh["version"]}
        # a conversation that exists is answered for only by the browser holding its key
        assert client.post("/v1/widget/consent", json=answer).status_code == 404
        assert not [g for g in c.consents.active("con-002") if g.source == "web_widget"]
        linked = client.post("/v1/widget/consent", json=answer, headers={KEY_HEADER: c.web_access.key_for("web-2")})
        assert linked.status_code == 201 and linked.json()["ref"].startswith("consent_grant:")
        [grant] = [g for g in c.consents.active("con-002") if g.source == "web_widget"]
        assert grant.purpose == "service" and grant.channels == ("web",) and grant.given_in == "web-2"
        assert c.consents.notice(grant.notice_hash).text == NOTICES["zh"], "the exact text shown is kept"
        stale = client.post("/v1/widget/consent", json={"conversation_id": "web-1", "decision": "granted",
                                                         "language": "en", "notice_version": zh["version"]})
        assert stale.status_code == 409
        assert client.post("/v1/widget/consent", json={"conversation_id": "web-1", "decision": "maybe",
                                                        "language": "en", "notice_version": "x" * 16}).status_code == 422
        pre = {"Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type, x-conversation-key"}
        allowed = client.options("/v1/conversations/w-1/stream", headers={"Origin": site, **pre})
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == site
        got = client.post("/v1/widget/consent", json={**answer, "conversation_id": "web-3"}, headers={"Origin": site})
        assert KEY_HEADER.lower() in got.headers["access-control-expose-headers"].lower()  # the widget can read it
        other = client.options("/v1/conversations/w-1/stream", headers={"Origin": "https://evil.example", **pre})
        assert "access-control-allow-origin" not in other.headers
        got = client.get("/v1/widget/notice", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in got.headers


@pytest.mark.slow
def test_widget_in_chromium_on_a_phone(widget_app):
    require_browser()
    c, app, app_port, site_port = widget_app
    with live_server(app, app_port) as base, host_site(site_port, base) as site, chromium() as browser:
        context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
        local_only(context)
        context.add_init_script(TEE_STREAM)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        requests: list[str] = []
        page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
        page.goto(site + "/en")
        page.click(f"{W} .launcher")
        panel = page.locator(f"{W} .panel")
        box = panel.bounding_box()
        assert box and box["width"] == 375 and box["height"] == 667, f"the panel fills a phone screen: {box}"

        # consent first, in the customer's language
        page.wait_for_selector(f"{W} .consent:not([hidden])")
        assert page.inner_text(f"{W} .notice") == NOTICES["en"]
        assert page.locator(f"{W} textarea").is_disabled()
        page.click(f"{W} .agree")
        page.wait_for_selector(f"{W} textarea:not([disabled])")
        assert [e.action for e in c.audit.entries()].count("consent.widget_granted") == 1  # an anonymous visitor
        assert not [r for r in requests if "/messages" in r], "a conversation not started has no history to fetch"

        # over the length limit: the server's reason is shown and the text is given back, not lost
        long = "Tell me everything. " * 450
        page.fill(f"{W} textarea", long)
        page.click(f"{W} form button")
        page.wait_for_function(f"document.querySelector('{W}').shadowRoot.querySelector('textarea').value.length > 0 "
                               f"&& !document.querySelector('{W}').shadowRoot.querySelector('textarea').disabled")
        assert page.input_value(f"{W} textarea") == long.strip()
        assert "the limit is 8000" in page.inner_text(f"{W} .log")
        page.fill(f"{W} textarea", "")

        # send, stream, sources
        page.fill(f"{W} textarea", "How much is the Pro edition?")
        page.click(f"{W} form button")
        page.wait_for_selector(f"{W} .msg.assistant.done", timeout=30_000)
        stream = page.evaluate("window.__stream")
        answer = page.inner_text(f"{W} .msg.assistant.done")
        assert "Pro" in answer
        assert page.locator(f"{W} .msg.assistant.done .sources li").count() >= 1
        assert stream.index("event: delta") < stream.index("event: reply"), "text streamed before the final reply"

        # a reload keeps the conversation (and the consent, and the open panel)
        cid = page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]")
        page.reload()
        page.wait_for_selector(f"{W} .msg.assistant", timeout=20_000)
        texts = page.locator(f"{W} .msg").all_inner_texts()
        assert texts[0] == "How much is the Pro edition?" and "Pro" in texts[1]
        assert page.locator(f"{W} .msg.assistant .sources li").count() >= 1
        assert page.locator(f"{W} textarea").is_enabled()
        assert page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]") == cid

        # a risky draft waits for a person: the customer is told, the draft is not shown
        c.model.chat.script.append("Sure, I can give you a 20% discount on Pro.")
        page.fill(f"{W} textarea", "Can I get a discount?")
        page.click(f"{W} form button")
        page.wait_for_selector(f"{W} .msg.assistant.held.done", timeout=30_000)
        assert "20%" not in page.inner_text(f"{W} .log")
        assert page.is_visible(f"{W} .banner")

        # the model fails: a human takes over, and the page says so, also after a reload
        # (.done marks replies streamed since the reload: the held one and this one)
        def model_down(_messages):  # noqa: ANN001, ANN202
            raise RuntimeError("model endpoint down")

        c.model.chat.script.append(model_down)
        page.fill(f"{W} textarea", "Do you support SSO?")
        page.click(f"{W} form button")
        page.wait_for_function(f"document.querySelector('{W}').shadowRoot.querySelectorAll('.msg.done').length === 2",
                               timeout=30_000)
        assert "colleague is taking over" in page.inner_text(f"{W} .banner")
        page.reload()
        page.wait_for_selector(f"{W} .banner:not([hidden])", timeout=20_000)
        assert "colleague is taking over" in page.inner_text(f"{W} .banner")
        assert errors == []

        # another visitor, Chinese page, declines: nothing can be sent, and the decision is recorded
        other = browser.new_context(viewport={"width": 375, "height": 667})
        local_only(other)
        p2 = other.new_page()
        p2.goto(site + "/zh")
        p2.click(f"{W} .launcher")
        p2.wait_for_selector(f"{W} .consent:not([hidden])")
        assert p2.inner_text(f"{W} .notice") == NOTICES["zh"] and p2.inner_text(f"{W} .agree") == "同意"
        p2.click(f"{W} .decline")
        p2.wait_for_function(f"document.querySelector('{W}').shadowRoot.querySelector('.agree').textContent === '我现在同意'")
        assert p2.locator(f"{W} textarea").is_disabled()
        assert [e.action for e in c.audit.entries()].count("consent.widget_declined") == 1
