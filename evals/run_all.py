"""`make eval`: the embedded-model evaluations. Every suite that means something with a real model runs
through `salesagent eval run` with the local provider (report in eval-results/local/, compared with the
previous run there), then `salesagent eval answers` over the Databend dev questions when that corpus is
present (skipped with a message otherwise).

    python -m evals.run_all [--provider local|openai] [--out eval-results] [--corpus DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from typer.main import get_command

from app.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path(os.environ.get("SALESAGENT_EVAL_CORPUS", ROOT.parent / "shared" / "corpus" / "databend"))
MODEL_SUITES = ["grounded", "redteam", "sales", "routing"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", default="local", choices=["local", "openai"])
    parser.add_argument("--out", type=Path, default=Path("eval-results"))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="questions of the corpus to ask (0: all)")
    args = parser.parse_args(argv)
    codes = []
    for command in (
        ["eval", "run", *MODEL_SUITES, "--provider", args.provider, "--out", str(args.out / args.provider)],
        ["eval", "answers", "--corpus", str(args.corpus), "--questions", str(args.corpus / "dev_questions.jsonl"),
         "--provider", args.provider, "--out", str(args.out / f"answers-{args.corpus.name}-{args.provider}.json"),
         "--limit", str(args.limit)],
    ):
        print("$ salesagent " + " ".join(command), flush=True)
        try:
            codes.append(int(get_command(cli).main(args=command, standalone_mode=False) or 0))
        except SystemExit as exc:
            codes.append(int(exc.code or 0))
        except Exception as exc:  # one failing evaluation must not hide the other
            print(f"failed: {type(exc).__name__}: {exc}", flush=True)
            codes.append(1)
    return max(codes)


if __name__ == "__main__":
    raise SystemExit(main())
