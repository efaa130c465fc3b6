"""The WeCom channel's parts, built once from plain values and the callables `app` injects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from agent.conversations import ConversationStore
from channels.wecom.callback import REPLAY_WINDOW_S, CallbackService
from channels.wecom.client import WeComClient
from channels.wecom.crypto import WeComCrypto
from channels.wecom.handler import HandleInbound, WeComAdapter, WeComHandler
from channels.wecom.notify import WeComNotifier
from channels.wecom.pacing import Clock, RealClock
from channels.wecom.sender import WeComSender
from channels.wecom.store import WeComStore


@dataclass(frozen=True)
class WeComConfig:
    corp_id: str
    token: str
    encoding_aes_key: str
    agent_id: str
    secret: str
    api_base: str = "https://qyapi.weixin.qq.com"
    replay_window_s: float = REPLAY_WINDOW_S


class WeComChannel:
    def __init__(self, cfg: WeComConfig, engine: Engine, *, handle_inbound: HandleInbound,
                 rep_for_user: Callable[[str], str | None], rep: Callable[[str], Mapping[str, Any] | None],
                 clock: Clock | None = None, workers: int = 2, conversations: ConversationStore | None = None):
        self.cfg = cfg
        self.clock = clock or RealClock()
        self.store = WeComStore(engine)
        self.crypto = WeComCrypto(cfg.token, cfg.encoding_aes_key, cfg.corp_id)
        self.client = WeComClient(base_url=cfg.api_base, corp_id=cfg.corp_id, secret=cfg.secret,
                                  agent_id=cfg.agent_id, clock=self.clock)
        self.sender = WeComSender(self.client, self.store, clock=self.clock)
        self.handler = WeComHandler(handle_inbound=handle_inbound, sender=self.sender, client=self.client,
                                    store=self.store, rep_for_user=rep_for_user, clock=self.clock, workers=workers)
        self.callback = CallbackService(self.crypto, self.store, self.handler.dispatch, corp_id=cfg.corp_id,
                                        clock=self.clock, window_s=cfg.replay_window_s)
        self.adapter = WeComAdapter(self.sender, self.store, conversations)
        self.notifier = WeComNotifier(self.sender, rep)

    def start(self) -> WeComChannel:
        self.sender.start()  # also resumes messages queued before a restart
        return self

    def close(self) -> None:
        self.handler.close()
        self.sender.stop()
        self.client.close()
