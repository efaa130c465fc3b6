"""Server-rendered customer pages: the web chat at `/`. (The reviewer console is `console.py`.)"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def pages_router(company: str, max_chars: int = 8000) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def chat_page(request: Request) -> Response:
        return TEMPLATES.TemplateResponse(request, "chat.html", {"company": company, "max_chars": max_chars})

    return router
