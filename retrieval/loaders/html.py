"""HTML → the same heading tree as Markdown: h1–h6 become headings, tables become Markdown rows."""

from __future__ import annotations

from bs4 import BeautifulSoup

from retrieval.loaders.document import Document
from retrieval.loaders.markdown import sections

DROP = ("script", "style", "noscript", "template", "svg", "nav", "footer", "header", "form", "iframe")


def html_to_markdown(html: str) -> tuple[str, str]:
    """(title, markdown-ish text)."""
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(DROP):
        tag.decompose()
    body = soup.body or soup
    for table in body.find_all("table"):
        rows = []
        for tr in table.find_all("tr"):
            cells = [c.get_text(" ", strip=True).replace("|", "/") for c in tr.find_all(["th", "td"])]
            if cells:
                rows.append("| " + " | ".join(cells) + " |")
        if rows:
            rows.insert(1, "|" + "---|" * rows[0].count(" | ") + "---|")
        table.replace_with(soup.new_string("\n\n" + "\n".join(rows) + "\n\n"))
    for level in range(1, 7):
        for h in body.find_all(f"h{level}"):
            h.replace_with(soup.new_string(f"\n\n{'#' * level} {h.get_text(' ', strip=True)}\n\n"))
    for li in body.find_all("li"):
        li.insert(0, soup.new_string("\n- "))
    for block in body.find_all(["p", "div", "br", "pre", "section", "article"]):
        block.insert_after(soup.new_string("\n\n"))
    text = body.get_text("")
    lines = [" ".join(line.split()) if not line.startswith("|") else line.strip() for line in text.splitlines()]
    out, blank = [], False
    for line in lines:
        if line:
            out.append(line)
            blank = False
        elif not blank:
            out.append("")
            blank = True
    return title, "\n".join(out).strip()


def load_html(text: str, source: str) -> Document:
    title, body = html_to_markdown(text)
    secs = sections(body)
    first_heading = next((s.heading_path[0] for s in secs if s.heading_path), "")
    return Document(source, title or first_heading or source.rsplit("/", 1)[-1], secs)
