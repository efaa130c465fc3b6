"""The customer chat page `/` in headless Chromium: one turn at a time, the reply being streamed survives a
history refresh, the consent notice of the widget, no history request for a conversation not started,
a message over the limit is shown as such (never cut), a message of spaces is not left in the box."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from agent.llm.local import free_port
from channels.web.widget import NOTICES
from tests.channels.browser import chromium, live_server, local_only, require_browser

pytestmark = pytest.mark.slow
CID = "web-page-test"
# A visitor who has agreed already (as the page remembers it), for the tests that are not about consent.
AGREED = f"""
if (!localStorage.getItem("salesagent.conversation")) {{
  localStorage.setItem("salesagent.conversation", "{CID}");
  localStorage.setItem("salesagent.conversation.consent:{CID}", "granted");
}}
"""
# grounded in the demo FAQ (cites it), so it goes out; an uncited claim would be held and never streamed
ANSWER = "Yes: SAML 2.0 and OIDC single sign-on come with the Pro and Enterprise editions."


@pytest.fixture
def site(seeded_container) -> Iterator[tuple[Any, str, Any]]:  # noqa: ANN001
    from app.api import create_app

    require_browser()
    with live_server(create_app(seeded_container), free_port()) as base, chromium() as browser:
        yield seeded_container, base, browser


def open_chat(browser: Any, base: str, agreed: bool = True) -> tuple[Any, list[str]]:
    """The page, and the API requests it makes ("POST /v1/…/stream")."""
    context = browser.new_context(viewport={"width": 720, "height": 700})
    local_only(context)
    if agreed:
        context.add_init_script(AGREED)
    page = context.new_page()
    calls: list[str] = []
    page.on("request", lambda r: calls.append(f"{r.method} {r.url.removeprefix(base)}") if "/v1/" in r.url else None)
    page.goto(base + "/")
    page.wait_for_load_state("networkidle")
    return page, calls


def slow_step() -> tuple[threading.Event, threading.Event, Any]:
    """A model step that waits for the test: (started, release, step)."""
    started, release = threading.Event(), threading.Event()

    def step(_messages):  # noqa: ANN001, ANN202
        started.set()
        release.wait(30)
        return ANSWER

    return started, release, step


def until(page: Any, event: threading.Event, seconds: float = 30) -> bool:
    """Wait for what the server does while Playwright goes on serving the page (its routes answer only then)."""
    for _ in range(int(seconds * 20)):
        if event.is_set():
            return True
        page.wait_for_timeout(50)
    return event.is_set()


def streams(calls: list[str]) -> int:
    return sum(c.startswith("POST ") and c.endswith("/stream") for c in calls)


def test_enter_while_a_reply_streams_sends_nothing_and_keeps_the_text(site):
    c, base, browser = site
    page, calls = open_chat(browser, base)
    started, release, step = slow_step()
    c.model.chat.script.append(step)
    page.fill("#text", "Do you support SSO?")
    page.keyboard.press("Enter")
    assert until(page, started), "the first reply did not start"
    page.fill("#text", "And SCIM?")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1000)
    assert streams(calls) == 1, calls
    assert page.input_value("#text") == "And SCIM?", "the text waits in the box for the reply to finish"
    release.set()
    page.wait_for_function(f"document.querySelector('#log').innerText.includes({ANSWER!r})", timeout=30_000)
    page.wait_for_selector("#go:not([disabled])")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.msg').length === 4 && "
                           "!document.querySelector('#go').disabled", timeout=30_000)
    assert streams(calls) == 2
    stored = c.conversations.messages(CID)
    assert [(m.role, m.text) for m in stored][::2] == [("customer", "Do you support SSO?"), ("customer", "And SCIM?")]
    assert [m.role for m in stored] == ["customer", "assistant"] * 2


def test_a_history_refresh_keeps_the_reply_being_streamed(site, monkeypatch):
    c, base, browser = site
    page, _ = open_chat(browser, base)
    c.model.chat.script.append("Sure, I can give you a 20% discount on Pro.")  # held: the page polls the history
    page.fill("#text", "Can I get a discount?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.assistant.held")

    # hold the next history answer until the next reply is being written, as a slow poll would be
    asked, gate, real = threading.Event(), threading.Event(), c.conversations.messages

    def held_history(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if not asked.is_set():
            asked.set()
            gate.wait(30)
        return found

    monkeypatch.setattr(c.conversations, "messages", held_history)
    assert until(page, asked, 10), "the page did not poll the history"
    started, release, step = slow_step()
    c.model.chat.script.append(step)
    page.fill("#text", "Do you support SSO?")
    page.keyboard.press("Enter")
    assert until(page, started)
    gate.set()  # the old history reaches the page while the reply streams
    page.wait_for_timeout(1000)
    texts = page.locator(".msg").all_inner_texts()
    assert texts[-2:] == ["Do you support SSO?", "…"], texts
    release.set()
    # the reply ends in its own bubble (a loaded CI machine may take seconds to finish the turn)
    page.wait_for_function(f"[...document.querySelectorAll('.msg')].at(-1).innerText.includes({ANSWER!r})",
                           timeout=30_000)


def test_the_page_asks_for_consent_as_the_widget_does(site):
    c, base, browser = site
    page, calls = open_chat(browser, base, agreed=False)
    page.wait_for_selector("#consent:not([hidden])")
    assert page.inner_text("#notice") == NOTICES["en"]
    assert page.locator("#text").is_disabled() and page.locator("#go").is_disabled()
    page.click("#decline")
    page.wait_for_function("document.querySelector('#agree').textContent === 'I agree now'")
    assert page.locator("#text").is_disabled()
    page.click("#agree")
    page.wait_for_selector("#text:not([disabled])")
    assert page.is_hidden("#consent")
    actions = [e.action for e in c.audit.entries()]
    assert actions.count("consent.widget_declined") == actions.count("consent.widget_granted") == 1
    assert [x for x in calls if "/v1/widget/" in x] == ["GET /v1/widget/notice?lang=en", "POST /v1/widget/consent",
                                                          "POST /v1/widget/consent"], "the widget's endpoints"
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.is_hidden("#consent") and page.locator("#text").is_enabled(), "the answer is remembered"


def test_history_is_asked_for_only_once_the_conversation_has_started(site):
    _, base, browser = site
    page, calls = open_chat(browser, base)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert not [x for x in calls if x.startswith("GET /v1/conversations/")], calls
    assert errors == []
    page.fill("#text", "Do you support SSO?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#go:not([disabled])", timeout=30_000)
    with page.expect_response(lambda r: r.url.endswith(f"/v1/conversations/{CID}/messages")) as got:
        page.reload()
    assert got.value.status == 200
    page.wait_for_function("document.querySelectorAll('.msg').length === 2")
    assert errors == []


def test_a_message_over_the_limit_is_shown_not_cut(site):
    _, base, browser = site
    page, calls = open_chat(browser, base)
    page.fill("#text", "x" * 20_000)
    assert len(page.input_value("#text")) == 20_000, "the text is kept whole"
    assert page.locator("#count.over").is_visible()
    assert "20000" in page.inner_text("#count") and "8000" in page.inner_text("#count")
    assert page.locator("#go").is_disabled()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert streams(calls) == 0 and len(page.input_value("#text")) == 20_000
    page.fill("#text", "x" * 8_000)
    assert page.locator("#count.over").count() == 0 and page.locator("#go").is_enabled()


def test_a_message_of_spaces_only_is_not_left_in_the_box(site):
    _, base, browser = site
    page, calls = open_chat(browser, base)
    page.fill("#text", "    ")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.input_value("#text") == "" and streams(calls) == 0
