"""WeCom fixtures: the fake WeCom API on a free port and the app configured to use it."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from channels.wecom.crypto import WeComCrypto
from channels.wecom.fake_api import FakeWeComApi

CORP = "wwtestcorp000001"
TOKEN = "callback-token-for-tests"  # noqa: S105 - a test value
KEY = base64.b64encode(bytes(range(100, 132))).decode()[:43]
SECRET = "app-secret-for-tests"  # noqa: S105 - a test value
AGENT = "1000002"
REP_USERID = "ChenXiaoWen"  # rep-002 in the demo tenant
CUSTOMER = "wmYF8a2kLw01"  # a demo contact's external_userid
KFID = "wkTESTKF0001"


def wait_for(check: Callable[[], object], timeout: float = 20.0) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


class Poster:
    """Builds requests the way WeCom does: encrypted body, msg_signature over token/timestamp/nonce/Encrypt."""

    def __init__(self, client, crypto: WeComCrypto = WeComCrypto(TOKEN, KEY, CORP)):  # noqa: ANN001, B008
        self.client, self.crypto = client, crypto

    def sealed(self, inner: str, *, ts: str | None = None, nonce: str | None = None) -> tuple[dict, str]:
        ts = ts or str(int(time.time()))
        nonce = nonce or secrets.token_hex(6)
        encrypt = self.crypto.encrypt(inner)
        body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt>" \
               f"<AgentID><![CDATA[{AGENT}]]></AgentID></xml>"
        return {"msg_signature": self.crypto.sign(ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}, body

    def post(self, inner: str, **kw: str):  # noqa: ANN201
        params, body = self.sealed(inner, **kw)
        return self.client.post("/wecom/callback", params=params, content=body,
                                headers={"content-type": "text/xml"})


def text_xml(from_user: str, content: str, msg_id: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{from_user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{AGENT}</AgentID></xml>")


def kf_event_xml(token: str, open_kfid: str = KFID) -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
            f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{open_kfid}]]></OpenKfId></xml>")


@pytest.fixture
def fake_wecom():  # noqa: ANN201
    with FakeWeComApi(corp_id=CORP, secret=SECRET, agent_id=AGENT) as fake:
        fake.add_contact(CUSTOMER, "Customer One", [REP_USERID], corp_name="Demo Corp")
        yield fake


def wecom_settings(data_dir: Path, fake: FakeWeComApi, **extra: object):  # noqa: ANN201
    from tests.conftest import make_settings

    return make_settings(data_dir, wecom_corp_id=CORP, wecom_token=TOKEN, wecom_encoding_aes_key=KEY,
                         wecom_agent_id=AGENT, wecom_secret=SECRET, wecom_api_base=fake.base_url, **extra)


@pytest.fixture
def wecom_container(data_dir: Path, fake_wecom: FakeWeComApi):  # noqa: ANN201
    from sqlalchemy.orm import Session

    from app.container import Container
    from app.demo.seed import load_tenant, seed_crm

    c = Container(wecom_settings(data_dir, fake_wecom))
    c.setup_database()
    with Session(c.engine) as s:
        seed_crm(s, load_tenant())
    yield c
    c.close()


@pytest.fixture
def wecom_client(wecom_container):  # noqa: ANN001, ANN201
    from fastapi.testclient import TestClient

    from app.api import create_app

    with TestClient(create_app(wecom_container)) as tc:
        yield tc


@pytest.fixture
def poster(wecom_client) -> Poster:  # noqa: ANN001
    return Poster(wecom_client)
