"""Markdown and MDX: YAML front matter, a heading tree, and Docusaurus-style MDX made readable.

MDX pages carry `import`/`export` lines and JSX components. Imports go; wrapper tags (<Tabs>,
<StepContent>…) go but their content stays; a component whose props hold a table (`thead={[...]}`
`tbody={[[...], ...]}`) becomes a Markdown table, so its facts are searchable and quotable.
"""

from __future__ import annotations

import re

import yaml

from retrieval.loaders.document import Document, Section

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
HEADING_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
FENCE = re.compile(r"^\s*(```|~~~)")
MDX_IMPORT = re.compile(r"^(import\s+.+\s+from\s+['\"].+['\"];?|import\s+['\"].+['\"];?|export\s+.+)\s*$")
JSX_OPEN = re.compile(r"^\s*<([A-Z][\w.]*)\b")
JSX_CLOSE_LINE = re.compile(r"^\s*</[A-Z][\w.]*>\s*$")
JSX_LABEL = re.compile(r"\b(?:label|title)=[\"']([^\"']+)[\"']")
JS_STRING = re.compile(r"'((?:\\.|[^'\\])*)'|\"((?:\\.|[^\"\\])*)\"|`((?:\\.|[^`\\])*)`|(\[)|(\])")
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
COMMENT = re.compile(r"<!--.*?-->|\{/\*.*?\*/\}", re.S)
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
ADMONITION = re.compile(r"^\s*:::\s*\w*.*$")


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body). Broken YAML is tolerated: we fall back to `key: value` lines."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        data = {}
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip():
                data[key.strip()] = value.strip().strip("'\"")
    return {str(k): str(v) for k, v in data.items() if v is not None}, text[match.end():]


def _js_table(block: str) -> str:
    """`thead={[...]}` and `tbody={[[...], ...]}` → Markdown table rows; other JS is dropped."""
    rows: list[list[str]] = []
    for prop in ("thead", "tbody"):
        start = block.find(f"{prop}={{")
        if start < 0:
            continue
        depth, row, found = 0, [], []
        for m in JS_STRING.finditer(block, start):
            if m.group(4):
                depth += 1
                row = [] if depth == (2 if prop == "tbody" else 1) else row
            elif m.group(5):
                if depth == (2 if prop == "tbody" else 1):
                    found.append(row)
                depth -= 1
                if depth == 0:
                    break
            elif depth:
                row.append(next(g for g in m.groups()[:3] if g is not None))
        rows += found
    if not rows:
        return ""
    cells = [[_inline(c).replace("|", "/") or " " for c in r] for r in rows]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
    return "\n".join(lines)


def _inline(text: str) -> str:
    text = IMAGE.sub(lambda m: m.group(1), text)
    text = LINK.sub(lambda m: m.group(1), text)
    return HTML_TAG.sub("", text).strip()


def clean_mdx(body: str) -> str:
    """Readable Markdown from MDX; code fences are left exactly as written."""
    out: list[str] = []
    lines = COMMENT.sub("", body).splitlines()
    in_fence, i = False, 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if FENCE.match(line):
            in_fence = not in_fence
            out.append(line)
            continue
        if in_fence:
            out.append(line)
            continue
        if MDX_IMPORT.match(line) or JSX_CLOSE_LINE.match(line) or ADMONITION.match(line):
            continue
        if JSX_OPEN.match(line):
            block = line
            # a multi-line tag ends at "/>" or at ">" once its braces are balanced
            while not _tag_closed(block) and i < len(lines):
                block += "\n" + lines[i]
                i += 1
            table = _js_table(block)
            label = JSX_LABEL.search(block.split(">", 1)[0] if "thead" not in block else "")
            tail = block.rsplit(">", 1)[-1].strip() if not block.rstrip().endswith("/>") else ""
            out.extend(x for x in (table, f"**{label.group(1)}**" if label else "", _inline(tail)) if x)
            continue
        out.append(_inline(line) if "<" in line or "](" in line else line)
    return "\n".join(out)


def _tag_closed(block: str) -> bool:
    depth = 0
    for pos, ch in enumerate(block):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ">" and depth <= 0 and pos > 0:
            return True
    return False


def sections(body: str) -> list[Section]:
    """Sections by heading, each with its path of headings; headings inside code fences are code."""
    path: list[tuple[int, str]] = []
    out: list[tuple[tuple[str, ...], list[str]]] = [((), [])]
    in_fence = False
    for line in body.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            level = len(match.group(1))
            title = _inline(HEADING_ANCHOR.sub("", match.group(2)).strip()).strip("*_ ")
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
            out.append((tuple(t for _, t in path), []))
        else:
            out[-1][1].append(line)
    result = []
    for heading_path, body_lines in out:
        text = "\n".join(body_lines).strip()
        if text:
            result.append(Section(heading_path, text))
    return result


def load_markdown(text: str, source: str) -> Document:
    meta, body = parse_front_matter(text.replace("\r\n", "\n"))
    secs = sections(clean_mdx(body))
    first_heading = next((s.heading_path[0] for s in secs if s.heading_path), "")
    title = meta.get("title") or meta.get("sidebar_label") or first_heading or source.rsplit("/", 1)[-1]
    return Document(source, title, secs, language=meta.get("lang", "") or meta.get("language", ""), meta=meta)
