from pathlib import Path

from retrieval.chunking import chunk_document
from retrieval.loaders import Document, Skipped, load_bytes, load_file
from retrieval.loaders.text import decode_text
from tests.retrieval.files import PNG_BYTES, make_pdf, write_big_file

MDX = """---
title: Editions
sidebar_position: 2
tags: [pricing, editions]
---

import Table from '@site/src/components/Table';
import Tabs from '@theme/Tabs';

Lumen comes in **three** editions. See [the pricing page](/pricing) for details.

## Feature matrix

<Table
width={['70%', '30%']}
thead={['Feature', 'Pro', 'Enterprise']}
tbody={[
  ['SAML single sign-on', '✓', '✓'],
  ['<b>Audit log</b> export', '', '✓'],
]} />

## Install

<Tabs>
<TabItem value="docker" label="Docker">

Run the container.

</TabItem>
</Tabs>

```js
import x from 'y';  // code keeps its imports
## not a heading
```
"""


def test_mdx_front_matter_imports_and_jsx_table_become_readable_markdown():
    doc = load_bytes(MDX.encode(), "en/editions.mdx", ".mdx")
    assert isinstance(doc, Document)
    assert doc.title == "Editions" and doc.meta["sidebar_position"] == "2"
    text = "\n".join(s.text for s in doc.sections)
    assert "import Table" not in text and "<Table" not in text and "thead" not in text
    assert "| Feature | Pro | Enterprise |" in text
    assert "| SAML single sign-on | ✓ | ✓ |" in text and "| Audit log export |   | ✓ |" in text
    assert "See the pricing page for details." in text  # links read as their text
    assert "**Docker**" in text and "Run the container." in text and "<TabItem" not in text
    assert "import x from 'y';" in text and "## not a heading" in text  # code is left alone
    assert [s.heading_path for s in doc.sections] == [(), ("Feature matrix",), ("Install",)]


def test_broken_markdown_is_tolerated():
    broken = ("---\ntitle: [unclosed\n: : :\n---\n# Title\n<Unclosed prop={{\n\n| a | b\n|---\n"
              "```python\nnever closed fence\n# still code")
    doc = load_bytes(broken.encode(), "broken.md", ".md")
    assert isinstance(doc, Document)
    assert doc.title  # something sensible, not a crash
    chunks = chunk_document(doc, audience="public")
    assert chunks and all(c.text.strip() for c in chunks)
    assert any("never closed fence" in c.text for c in chunks)


def test_html_headings_tables_and_no_scripts():
    html = """<html><head><title>Security</title><script>var secret = 1;</script></head><body>
    <nav>Home | Docs</nav><h1>Security</h1><p>We encrypt data at rest.</p>
    <h2>Certifications</h2><table><tr><th>Standard</th><th>Status</th></tr><tr><td>SOC 2</td><td>Type II</td></tr></table>
    <ul><li>ISO 27001</li><li>GDPR</li></ul></body></html>"""
    doc = load_bytes(html.encode(), "security.html", ".html")
    assert isinstance(doc, Document) and doc.title == "Security"
    by_path = {s.heading_path: s.text for s in doc.sections}
    assert "We encrypt data at rest." in by_path[("Security",)]
    cert = by_path[("Security", "Certifications")]
    assert "| Standard | Status |" in cert and "| SOC 2 | Type II |" in cert and "- ISO 27001" in cert
    assert "secret" not in "".join(by_path.values()) and "Home | Docs" not in "".join(by_path.values())


def test_pdf_pages_become_sections():
    raw = make_pdf([["Lumen Analytics price list", "Pro costs 49 dollars per user"], ["Enterprise is quoted"]],
                   title="Price list")
    doc = load_bytes(raw, "prices.pdf", ".pdf")
    assert isinstance(doc, Document), doc
    assert doc.title == "Price list"
    assert [s.heading_path for s in doc.sections] == [("page 1",), ("page 2",)]
    assert "Pro costs 49 dollars per user" in doc.sections[0].text
    assert isinstance(load_bytes(b"%PDF-1.4 garbage", "bad.pdf", ".pdf"), Skipped)


def test_encodings_gbk_utf16_and_binary():
    zh = "# 价格\n专业版每个用户每月 49 美元。"
    assert decode_text(zh.encode("gbk")) == zh
    assert decode_text(zh.encode("utf-16")) == zh
    assert decode_text("\ufeff" .encode() + zh.encode()) == zh
    assert decode_text("Café prices in Köln".encode("latin-1")) is not None
    assert decode_text(PNG_BYTES) is None
    assert decode_text(b"\x00\x01\x02" * 100) is None
    doc = load_bytes(zh.encode("gbk"), "zh/price.md", ".md")
    assert isinstance(doc, Document) and doc.title == "价格"


def test_big_and_unknown_files_are_skipped_with_a_reason(tmp_path: Path):
    big = tmp_path / "huge.md"
    write_big_file(big, 50 * 1024 * 1024)
    skipped = load_file(big, "huge.md")
    assert isinstance(skipped, Skipped) and "limit" in skipped.reason
    assert isinstance(load_bytes(b"x", "a.docx", ".docx"), Skipped)
    empty = load_bytes(b"", "empty.md", ".md")
    assert isinstance(empty, Document) and empty.sections == []
