"""The WeCom callback's acknowledgement time under 50 concurrent posts (genuine signed, encrypted
messages from a rep), with the agent (scripted model) answering in the background and replies going to
the local fake WeCom API. Also: how long until every reply was delivered."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from agent.llm.local import free_port
from channels.wecom.crypto import WeComCrypto
from channels.wecom.fake_api import FakeWeComApi
from evals.bench import Row
from evals.bench.common import percentile, seeded_container

CORP, TOKEN, AGENT, SECRET = "wwbenchcorp00001", "bench-token", "1000002", "bench-secret"
KEY = base64.b64encode(bytes(range(7, 39))).decode()[:43]
REP = "ChenXiaoWen"
CONCURRENCY = 50


def _request(crypto: WeComCrypto, i: int) -> tuple[dict[str, str], str]:
    inner = (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{REP}]]></FromUserName>"
             f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
             f"<Content><![CDATA[Question {i}: how much is the Pro edition?]]></Content>"
             f"<MsgId>{9_000_000_000 + i}</MsgId><AgentID>{AGENT}</AgentID></xml>")
    ts, nonce = str(int(time.time())), secrets.token_hex(8)
    enc = crypto.encrypt(inner)
    body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
    return {"msg_signature": crypto.sign(ts, nonce, enc), "timestamp": ts, "nonce": nonce}, body


@contextmanager
def live_server(app: object, port: int) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def run() -> list[Row]:
    from app.api import create_app

    with FakeWeComApi(corp_id=CORP, secret=SECRET, agent_id=AGENT) as fake:
        c = seeded_container(wecom_corp_id=CORP, wecom_token=TOKEN, wecom_encoding_aes_key=KEY, wecom_agent_id=AGENT,
                             wecom_secret=SECRET, wecom_api_base=fake.base_url)
        crypto = WeComCrypto(TOKEN, KEY, CORP)
        app, port = create_app(c), free_port()
        with live_server(app, port) as base:
            with httpx.Client() as warm:  # one warm-up request (imports, first token)
                params, body = _request(crypto, -1)
                warm.post(f"{base}/wecom/callback", params=params, content=body)
            c.wecom.handler.wait_idle(120)
            requests = [_request(crypto, i) for i in range(CONCURRENCY)]
            times: list[float] = [0.0] * CONCURRENCY
            codes: list[int] = [0] * CONCURRENCY
            gate = threading.Barrier(CONCURRENCY)

            def post(i: int) -> None:
                with httpx.Client(timeout=30) as client:
                    gate.wait()
                    t = time.perf_counter()
                    r = client.post(f"{base}/wecom/callback", params=requests[i][0], content=requests[i][1])
                    times[i] = (time.perf_counter() - t) * 1000
                    codes[i] = r.status_code

            start = time.perf_counter()
            threads = [threading.Thread(target=post, args=(i,)) for i in range(CONCURRENCY)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            acked = time.perf_counter() - start
            c.wecom.handler.wait_idle(600)
            end = time.monotonic() + 120
            while len(fake.messages_to(REP)) < CONCURRENCY + 1 and time.monotonic() < end:
                time.sleep(0.05)
            delivered = len(fake.messages_to(REP)) - 1
            all_replied = time.perf_counter() - start
        c.close()
    ok = sum(code == 200 for code in codes)
    note = f"{CONCURRENCY} concurrent signed posts; {ok} acked 200; scripted model; 2 agent workers"
    return [Row("wecom_callback_ack", "p50", percentile(times, 50), "ms", "", note),
            Row("wecom_callback_ack", "p95", percentile(times, 95), "ms", "≤ 1000 (WeCom waits 5 s)", note),
            Row("wecom_callback_ack", "max", max(times), "ms", "", note),
            Row("wecom_callback_ack", "all acked", acked, "s", "", note),
            Row("wecom_replies", "all delivered", all_replied, "s", "",
                f"{delivered}/{CONCURRENCY} replies through the fake API (paced: 30/min/member)")]
