from retrieval.chunking import chunk_markdown, detect_language, parse_front_matter, split_by_tokens
from retrieval.tokens import count_tokens


def test_front_matter_and_heading_paths():
    text = "---\ntitle: Pricing\nlang: en\n---\n# Pricing\nIntro.\n## Pro\nPro costs $49.\n### Annual\nSave more.\n"
    meta, body = parse_front_matter(text)
    assert meta == {"title": "Pricing", "lang": "en"} and body.startswith("# Pricing")
    chunks = chunk_markdown(text, source="p.md", audience="public")
    assert [c.heading_path for c in chunks] == [("Pricing",), ("Pricing", "Pro"), ("Pricing", "Pro", "Annual")]
    assert all(c.title == "Pricing" for c in chunks)
    assert chunks[1].embedding_text().startswith("Pricing > Pro\n")


def test_headings_inside_code_fences_are_not_headings():
    text = "# Real\n```\n# not a heading\n```\n"
    [chunk] = chunk_markdown(text, source="c.md", audience="public")
    assert chunk.heading_path == ("Real",) and "# not a heading" in chunk.text


def test_long_sections_split_within_budget_and_tables_are_not_cut_mid_row():
    rows = "\n".join(f"| row {i} | value {i} with some words |" for i in range(200))
    table = "| a | b |\n|---|---|\n" + rows
    pieces = split_by_tokens(table, budget=120, overlap=20)
    assert len(pieces) > 1
    for piece in pieces:
        assert count_tokens(piece) <= 120 + 25
        assert all(line.startswith("|") and line.endswith("|") for line in piece.splitlines())


def test_language_detection():
    assert detect_language("专业版每个用户每月 49 美元") == "zh"
    assert detect_language("The Pro edition costs $49") == "en"
    assert detect_language("") == "en"
