"""A conversation survives the app being rebuilt from the same data dir."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from app.api import create_app
from app.container import Container
from tests.conftest import chat_client, make_settings


def test_conversation_continues_after_restart(data_dir):
    s = make_settings(data_dir)
    first = Container(s, script=["I am the sales assistant of this site."])
    first.setup_database()
    with chat_client(create_app(first)) as tc:
        assert tc.post("/v1/conversations/r-1/messages", json={"text": "Who are you?"}).status_code == 200
        browser = dict(tc.keys)  # the widget keeps the conversation's key across a server restart
    first.close()

    seen = {}

    def remember(messages):
        seen["messages"] = messages
        return "You asked who I am."

    second = Container(make_settings(data_dir), script=[remember])
    with chat_client(create_app(second)) as tc:
        tc.keys.update(browser)
        r = tc.post("/v1/conversations/r-1/messages", json={"text": "What did I ask before?"})
        assert r.status_code == 200
        history = tc.get("/v1/conversations/r-1/messages").json()["messages"]
    second.close()
    texts = [m.content for m in seen["messages"] if isinstance(m, HumanMessage | AIMessage)]
    assert texts == ["Who are you?", "I am the sales assistant of this site.", "What did I ask before?"]
    assert [m["text"] for m in history] == ["Who are you?", "I am the sales assistant of this site.",
                                            "What did I ask before?", "You asked who I am."]
