"""The API client against the fake WeCom server: token refresh mid-flight, retries, pacing under a burst,
idempotent delivery, notifications, and no secret in any log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.db import make_engine, upgrade
from channels.wecom.client import WeComClient, WeComError
from channels.wecom.fake_api import FakeWeComApi
from channels.wecom.notify import WeComNotifier
from channels.wecom.pacing import Limits, ManualClock, next_slot
from channels.wecom.sender import WeComMessage, WeComSender
from channels.wecom.store import WeComStore
from tests.channels.wecom.conftest import AGENT, CORP, SECRET


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock):  # noqa: ANN201
    with FakeWeComApi(corp_id=CORP, secret=SECRET, agent_id=AGENT, clock=clock) as api:
        yield api


@pytest.fixture
def client(fake: FakeWeComApi, clock: ManualClock):  # noqa: ANN201
    c = WeComClient(base_url=fake.base_url, corp_id=CORP, secret=SECRET, agent_id=AGENT, clock=clock, backoff_s=0.5)
    yield c
    c.close()


@pytest.fixture
def store(tmp_path: Path) -> WeComStore:
    url = f"sqlite:///{tmp_path / 'wecom.db'}"
    upgrade(url)
    return WeComStore(make_engine(url))


def test_token_is_cached_and_refreshed_when_it_expires_mid_flight(client, fake, clock):
    client.send_text("alice", "one")
    client.send_text("alice", "two")
    assert client.token_fetches == 1, "the token is cached between calls"
    fake.expire_tokens()  # WeCom expired it early (e.g. the secret was reset elsewhere): 42001 on the next call
    client.send_text("alice", "three")
    assert client.token_fetches == 2
    clock.advance(7200)  # and our own expiry bookkeeping refreshes before WeCom would refuse
    client.send_text("alice", "four")
    assert client.token_fetches == 3
    assert [m.text for m in fake.messages_to("alice")] == ["one", "two", "three", "four"]


def test_busy_and_server_errors_are_retried_with_backoff_then_reported(client, fake, clock):
    fake.fail(2, errcode=-1)
    start = clock.now()
    client.send_text("bob", "hello")
    assert [m.text for m in fake.messages_to("bob")] == ["hello"]
    assert clock.now() - start == pytest.approx(0.5 + 1.0), "exponential backoff between attempts"
    fake.fail(4, status=502)  # every attempt fails
    with pytest.raises(WeComError):
        client.send_text("bob", "lost")
    with pytest.raises(WeComError) as err:
        client.external_contact("wm-nobody")
    assert err.value.errcode == 84061


def test_wrong_secret_is_a_clear_error(fake, clock):
    bad = WeComClient(base_url=fake.base_url, corp_id=CORP, secret="wrong", agent_id=AGENT, clock=clock)  # noqa: S106
    with pytest.raises(WeComError, match="40001"):
        bad.send_text("alice", "x")
    bad.close()


def test_unpaced_burst_loses_messages_at_the_fake_like_at_wecom(client, fake):
    for i in range(40):
        client.send_text("carol", f"m{i}")
    assert len(fake.messages_to("carol")) == 30 and len(fake.state.dropped) == 10


def test_pacing_holds_under_a_burst_of_100_to_one_rep(client, fake, store, clock):
    sender = WeComSender(client, store, clock=clock)
    t0 = clock.now()
    for i in range(100):
        sender.deliver(WeComMessage("ChenXiaoWen", f"lead #{i}"), f"burst-{i}")
    sender.deliver(WeComMessage("someone-else", "not held up by her queue"), "other-1")
    sender.drain()
    got = fake.messages_to("ChenXiaoWen")
    assert [m.text for m in got] == [f"lead #{i}" for i in range(100)], "nothing dropped, order kept"
    assert fake.state.dropped == []
    times = [m.at for m in got]
    assert max(sum(1 for u in times if t <= u < t + 60) for t in times) <= 30
    assert times[-1] - t0 < 4 * 60, "paced, not throttled harder than the limit needs"
    assert store.count("sent") == 101
    other = fake.messages_to("someone-else")[0]
    assert other.at - t0 < 1, "another member's message does not wait behind the burst"


def test_hourly_limit_is_respected_too():
    assert next_slot([], 10.0, Limits(30, 60)) == 10.0
    hourly = [float(i * 60) for i in range(60)]  # one a minute: the minute limit is fine, the hour is full
    assert next_slot(hourly, 3590.0, Limits(30, 60)) == pytest.approx(3600.0), "wait for the oldest to age out"
    assert next_slot(hourly, 3601.0, Limits(30, 60)) == pytest.approx(3601.0)
    burst = [float(i) for i in range(30)]  # the minute is full at t=30
    assert next_slot(burst, 30.0, Limits(30, 1000)) == pytest.approx(60.0)


def test_pacing_survives_a_restart(client, fake, store, clock):
    first = WeComSender(client, store, clock=clock)
    for i in range(30):
        first.deliver(WeComMessage("dave", f"a{i}"), f"a-{i}")
    first.drain()
    second = WeComSender(client, store, clock=clock)  # a new process: the send log is in the database
    second.deliver(WeComMessage("dave", "after restart"), "b-0")
    assert second.drain(max_wait_s=0) > 0, "the 31st message in the same minute must wait"
    second.drain()
    assert fake.state.dropped == [] and fake.messages_to("dave")[-1].text == "after restart"


def test_delivery_is_idempotent_by_key_and_resumes_interrupted_sends(client, fake, store, clock):
    sender = WeComSender(client, store, clock=clock)
    one = sender.deliver(WeComMessage("erin", "your lead"), "key-1")
    again = sender.deliver(WeComMessage("erin", "your lead"), "key-1")
    assert one.id == again.id
    sender.drain()
    sender.deliver(WeComMessage("erin", "your lead"), "key-1")
    sender.drain()
    assert len(fake.messages_to("erin")) == 1
    # a crash after WeCom accepted but before we recorded it: the resend is dropped by WeCom's duplicate check
    row = sender.deliver(WeComMessage("erin", "crash case"), "key-2")
    client.send_text("erin", "crash case")
    store.set_outbound(row.id, status="sending")
    WeComSender(client, store, clock=clock).drain()
    assert [m.text for m in fake.messages_to("erin")] == ["your lead", "crash case"]
    assert store.outbound("key-2").status == "sent"


def test_permanent_errors_fail_the_message_without_blocking_the_queue(client, fake, store, clock):
    sender = WeComSender(client, store, clock=clock)
    sender.deliver(WeComMessage("frank", "x" * 3000), "too-long")  # clipped to WeCom's limit, so it goes
    sender.deliver(WeComMessage("ghost", "bad agent", open_kfid=""), "ok-2")
    fake.fail(10, errcode=-1)
    sender.deliver(WeComMessage("gina", "busy"), "busy-1")
    sender.drain()
    assert len(fake.messages_to("frank")) == 1 and len(fake.messages_to("frank")[0].text.encode()) <= 2048
    assert store.outbound("busy-1").status in {"failed", "sent"}
    with pytest.raises(ValueError):
        sender.deliver(WeComMessage("", "nobody"), "k")


def test_lead_notification_goes_to_the_reps_wecom_account_once(client, fake, store, clock):
    sender = WeComSender(client, store, clock=clock)
    reps = {"rep-002": {"wecom_user_id": "ChenXiaoWen", "languages": ["zh", "en"]},
            "rep-001": {"wecom_user_id": None, "languages": ["en"]}}
    notifier = WeComNotifier(sender, reps.get)
    event = {"lead_id": "lead-42", "score": 87, "summary": "Wants Pro for 40 seats"}
    assert notifier.notify("rep-002", event) is True
    assert notifier.notify("rep-002", event) is True  # the same event again: not sent twice
    assert notifier.notify("rep-001", event) is False and notifier.notify("rep-404", event) is False
    sender.drain()
    [msg] = fake.messages_to("ChenXiaoWen")
    assert "lead-42" in msg.text and "线索" in msg.text and "87" in msg.text


def test_no_token_or_secret_in_logs(client, fake, caplog):
    with caplog.at_level(logging.DEBUG):
        client.send_text("alice", "hi")
        fake.expire_tokens()
        client.send_text("alice", "hi again")
    token = client._token[0]
    assert SECRET not in caplog.text and token not in caplog.text
    assert "access_token=***" in caplog.text or "HTTP Request" not in caplog.text
