"""Email addresses and WeChat ids.

Email is bounded by ASCII on both sides: Presidio's built-in pattern takes Chinese characters next to
an address into the span. WeChat ids are only recognised after a keyword (微信/vx/wx/WeChat…).
"""

from __future__ import annotations

import re

from guardrails.pii.recognizers.base import RegexRecognizer, compile_all

LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"


class EmailRule(RegexRecognizer):
    ENTITY = "EMAIL_ADDRESS"
    VETO_BY_CONTEXT = False
    PATTERNS = compile_all((r"(?<![A-Za-z0-9._%+-])" + LOCAL + "@" + DOMAIN + r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])", 0.95))


WECHAT_KEY = r"(?:微信号?|威信|薇信|v信|weixin|wechat|we chat|vx|wx|wxid)"
# between the keyword and the id: "号", "ID", "是", ":", "is", "handle" ... (at most a few of them)
FILLER = r"\s*(?:(?:号码?|账号|id|是|为|也是|:|：|=|is|as|handle|account|name|username|搜|加|吧|呀|哦|啊|~|～|-)\s*){0,3}"
MARKER = re.compile(r"(?:号|id|是|为|:|：|=|is|as|handle|搜)\s*$", re.I)
COMMON_WORDS = {"account", "group", "official", "contact", "message", "channel", "business", "payment", "please",
                "instead", "better", "thanks", "either", "directly", "anytime", "easier", "quicker", "number",
                "enterprise", "company", "version", "through", "because", "sometimes", "tomorrow", "tonight"}


class WeChatRule(RegexRecognizer):
    ENTITY = "WECHAT_ID"
    VETO_BY_CONTEXT = False
    PATTERNS = compile_all(
        (r"(?<![A-Za-z])" + WECHAT_KEY + r"(?P<f>" + FILLER + r")(?P<v>(?<![A-Za-z0-9_-])[A-Za-z][A-Za-z0-9_-]{5,19})"
         r"(?![A-Za-z0-9_-])", 0.85),
        (r"(?<![A-Za-z0-9_])(?P<v>wxid_[A-Za-z0-9_-]{4,30})(?![A-Za-z0-9_-])", 0.9),
        flags=re.I,
    )

    def find(self, text, nlp_artifacts):  # noqa: ANN001, ANN201
        for pattern, score in self.PATTERNS:
            for m in pattern.finditer(text):
                value = m.group("v")
                if "f" in pattern.groupindex and not self._looks_like_id(value, m.group("f")):
                    continue
                yield m.start("v"), m.end("v"), score

    @staticmethod
    def _looks_like_id(value: str, filler: str) -> bool:
        if value.lower() in COMMON_WORDS:
            return False
        # letters only ("lilychen") only after an explicit marker: "my WeChat is lilychen", "微信：lilychen"
        return bool(re.search(r"[\d_-]", value)) or MARKER.search(filler) is not None
