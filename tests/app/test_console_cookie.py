"""The console's session cookie is Secure as SALESAGENT_COOKIE_SECURE says, also behind a TLS-terminating proxy."""

from __future__ import annotations

import pytest

from tests.conftest import make_settings


@pytest.mark.parametrize("setting,url,headers,secure", [
    ("auto", "http://testserver", {}, False),
    ("auto", "https://testserver", {}, True),
    ("auto", "http://testserver", {"x-forwarded-proto": "https"}, True),  # from a proxy uvicorn trusts
    ("true", "http://testserver", {}, True),  # a TLS proxy uvicorn was not told to trust
    ("false", "https://testserver", {}, False),
])
def test_the_console_cookie_is_secure_as_configured(tmp_path, setting, url, headers, secure):
    from fastapi.testclient import TestClient
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from app.api import create_app
    from app.container import Container

    c = Container(make_settings(tmp_path / "data", cookie_secure=setting))
    try:
        c.setup_database()
        token = c.tokens.create("reviewer", "alice")
        app = ProxyHeadersMiddleware(create_app(c), trusted_hosts="*")  # as `salesagent serve` runs it
        with TestClient(app, base_url=url) as tc:
            r = tc.post("/review/signin", data={"token": token}, headers=headers, follow_redirects=False)
            assert r.status_code == 303
            [cookie] = r.headers.get_list("set-cookie")
            assert cookie.startswith("salesagent_session=") and "HttpOnly" in cookie
            assert ("; Secure" in cookie) is secure, cookie
            out = tc.post("/review/signout", headers=headers, follow_redirects=False)
            assert ("; Secure" in out.headers["set-cookie"]) is secure
    finally:
        c.close()
