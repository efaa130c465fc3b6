"""The reviewer console and the customer chat in headless Chromium (Debian's package, driven by
Playwright): approve, edit and reject flows end to end, and a rep refused at sign-in.

Set UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/ from these runs.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

pytestmark = pytest.mark.slow
if not Path(CHROMIUM).exists():
    pytestmark = [pytest.mark.slow, pytest.mark.skip(reason=f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")


@pytest.fixture
def server(seeded_container):  # noqa: ANN001, ANN201
    import uvicorn

    from agent.llm.local import free_port
    from app.api import create_app

    seeded_container.settings.outbox_poll_s = 0.2
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(seeded_container), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(15)


@pytest.fixture
def browser():  # noqa: ANN201
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def shot(page, name: str, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def reviewer_page(browser, base: str, token: str):  # noqa: ANN001, ANN201
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/review")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/review")
    return page


def customer_asks(browser, base: str, question: str):  # noqa: ANN001, ANN201
    page = browser.new_context(viewport={"width": 720, "height": 700}).new_page()
    page.goto(base + "/")
    page.click("#agree")  # the consent notice comes first
    page.fill("#text", question)
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.assistant.held")
    return page


def open_item(page, base: str, draft_words: str):  # noqa: ANN001
    row = page.locator("#queue tbody tr", has_text=draft_words)
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/review/items/\d+"))


def test_a_rep_token_is_refused(server, browser, seeded_container, tmp_path):
    token = seeded_container.tokens.create("rep", "rep-001")
    page = browser.new_page()
    page.goto(f"{server}/review")
    assert "Reviewer console" in page.content()
    page.fill("#token", token)
    with page.expect_response(lambda r: r.url.endswith("/review/signin")) as resp:
        page.click("button[type=submit]")
    assert resp.value.status == 403
    assert "The rep role cannot review" in page.inner_text(".err")
    assert page.locator("#queue").count() == 0
    page.goto(f"{server}/review")  # no session cookie was set
    assert page.locator("#token").count() == 1


def test_approve_flow_with_the_keyboard_delivers_to_the_customer(server, browser, seeded_container, tmp_path):
    seeded_container.model.chat.script.append("Sure, I can give you a 20% discount on Pro.")
    customer = customer_asks(browser, server, "Can I get a discount on Pro?")
    assert "20%" not in customer.inner_text("#log"), "a held draft must not reach the customer"
    reviewer = reviewer_page(browser, server, seeded_container.tokens.create("reviewer", "alice"))
    assert "20% discount" in reviewer.inner_text("#queue")
    shot(reviewer, "console-queue", tmp_path)
    open_item(reviewer, server, "20% discount")
    assert "commitment" in reviewer.inner_text(".reasons")
    assert "Can I get a discount on Pro?" in reviewer.inner_text(".convo")
    assert "consent ledger not connected" in reviewer.inner_text("#consent") or \
        "anonymous" in reviewer.inner_text("#consent")
    shot(reviewer, "console-item", tmp_path)
    reviewer.keyboard.press("a")
    reviewer.wait_for_url(re.compile(r".*/review\?flash=.*"))
    assert "approved" in reviewer.inner_text(".banner.info")
    customer.wait_for_function("() => document.querySelector('#log').innerText.includes('20% discount')",
                               timeout=20_000)
    assert customer.locator(".msg.held").count() == 0
    shot(customer, "chat-approved", tmp_path)


def test_edit_flow_sends_the_edited_text(server, browser, seeded_container, tmp_path):
    seeded_container.model.chat.script.append("Pro is only $39 per user for you today.")
    customer = customer_asks(browser, server, "What would Pro cost me?")
    reviewer = reviewer_page(browser, server, seeded_container.tokens.create("reviewer", "bob"))
    open_item(reviewer, server, "$39")
    assert "unsupported price" in reviewer.inner_text(".reasons")
    reviewer.keyboard.press("e")
    reviewer.fill("#edit-text", "Pro is $49 per user per month; a colleague will follow up about volume pricing.")
    reviewer.keyboard.press("Control+Enter")
    reviewer.wait_for_url(re.compile(r".*/review\?flash=.*"))
    customer.wait_for_function("() => document.querySelector('#log').innerText.includes('volume pricing')",
                               timeout=20_000)
    assert "$39" not in customer.inner_text("#log")
    shot(customer, "chat-edited", tmp_path)
    [item] = seeded_container.queue.list(statuses=("edited",))
    reviewer.goto(f"{server}/review/items/{item.id}")
    assert "-Pro is only $39" in reviewer.inner_text("pre.diff")
    assert "reply via web: delivered" in reviewer.inner_text("main")
    shot(reviewer, "console-edited", tmp_path)


def test_reject_flow_needs_a_reason_and_withdraws_the_draft(server, browser, seeded_container, tmp_path):
    seeded_container.model.chat.script.append("We guarantee a full refund within 90 days.")
    customer = customer_asks(browser, server, "What if it doesn't work for us?")
    reviewer = reviewer_page(browser, server, seeded_container.tokens.create("reviewer", "carol"))
    open_item(reviewer, server, "full refund")
    reviewer.click("#claim-form button")
    assert "claimed" in reviewer.inner_text("#item-status")
    reviewer.keyboard.press("r")
    reviewer.keyboard.press("Control+Enter")  # empty reason: the browser refuses to submit
    assert "/review/items/" in reviewer.url
    reviewer.fill("#reject-reason", "We do not offer refunds beyond the 30-day trial.")
    reviewer.keyboard.press("Control+Enter")
    reviewer.wait_for_url(re.compile(r".*/review\?flash=.*"))
    customer.wait_for_function("() => document.querySelector('#log').innerText.includes('follow up with you')",
                               timeout=20_000)
    assert "refund" not in customer.inner_text("#log").lower()
    shot(customer, "chat-rejected", tmp_path)
    [item] = seeded_container.queue.list(statuses=("rejected",))
    assert item.decided_by == "carol" and item.decision_reason.startswith("We do not offer refunds")
    reviewer.goto(f"{server}/review?status=all")
    shot(reviewer, "console-all", tmp_path)
