"""`salesagent pii scan` through the real CLI: file in, file out, --text, bad lines reported."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import cli


def test_scan_file_and_text(tmp_path):  # noqa: ANN001
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "手机13812345678", "lang": "zh"}, ensure_ascii=False) + "\n"
                   + json.dumps({"id": "b", "text": "Order SO-2025-00871 for $49", "lang": None}) + "\n")
    result = CliRunner().invoke(cli, ["pii", "scan", "--in", str(src), "--out", str(dst)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text().splitlines()]
    assert rows == [{"id": "a", "spans": [{"start": 2, "end": 13, "type": "PHONE_NUMBER", "score": 0.9}]},
                    {"id": "b", "spans": []}]
    result = CliRunner().invoke(cli, ["pii", "scan", "--text", "mail me: wjg@yunfan.example.cn"])
    assert json.loads(result.stdout)["spans"][0]["start"] == 9


def test_bad_lines_are_reported_and_skipped(tmp_path):  # noqa: ANN001
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\nnot json\n{"id": 3}\n' + json.dumps({"id": 4, "text": "x" * 1_000_000}) + "\n")
    result = CliRunner().invoke(cli, ["pii", "scan", "--in", str(src)])
    assert result.exit_code == 1
    assert "line 2: not valid JSON" in result.output and "line 3" in result.output and "limit" in result.output
    assert '{"id": 1, "spans": []}' in result.output
    assert CliRunner().invoke(cli, ["pii", "scan"]).exit_code == 2
