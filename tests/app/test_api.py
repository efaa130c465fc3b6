"""The HTTP application's own pages: the API docs work on a machine that reaches no CDN."""

from __future__ import annotations

import re


def test_api_docs_load_everything_from_this_server(client):
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text) + \
            re.findall(r"""url: ?['"]([^'"]+)['"]""", html.text)
        assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
        scripts = [a for a in assets if a.endswith(".js")]
        assert scripts and all(client.get(a).status_code == 200 for a in scripts), scripts
