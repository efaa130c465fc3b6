"""`salesagent eval …`: offline evaluations. Each kind of evaluation is one command in this group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.common import container, err, out, progress

eval_cli = typer.Typer(help="Evaluations: measure retrieval (and more) on a question set.", no_args_is_help=True)


@eval_cli.command("retrieval")
def eval_retrieval(
    corpus: Annotated[Path, typer.Option(help="Folder of documents; gold paths are relative to it.")],
    questions: Annotated[Path, typer.Option(help="JSONL: id, lang, question, gold, kind.")],
    k: Annotated[int, typer.Option(help="Pages listed per question; recall@k is added when k is not 1/5/10.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    data_dir: Annotated[Path | None, typer.Option(help="Where ingested corpora are kept (default <data_dir>/eval).")]
    = None,
    exclude: Annotated[list[str] | None, typer.Option(
        help="Glob of corpus paths to leave out (repeatable); default: SOURCE.md, README.md, LICENSE*, NOTICE*.")]
    = None,
) -> None:
    """Page-level recall@1/@5/@10, MRR and nDCG@10, overall, by language and by kind. The corpus is
    ingested into its own folder, named by its content hash, and reused while it is unchanged."""
    from evals.retrieval.metrics import recall_at
    from evals.retrieval.runner import CORPUS_META, corpus_kb, evaluate, load_questions

    if not corpus.is_dir():
        err.print(f"[red]not a folder: {corpus}[/red]")
        raise typer.Exit(2)
    try:
        qs = load_questions(questions)
    except (OSError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    c = container()
    try:
        with progress() as bar:
            task = bar.add_task(f"ingesting {corpus}", total=None)
            kb, _ = corpus_kb(corpus, data_dir or c.settings.data_dir / "eval", c.embedder,
                              progress=lambda i, n: bar.update(task, completed=i, total=n),
                              exclude=CORPUS_META if exclude is None else exclude)
        result = evaluate(kb.searcher("public"), qs)
    finally:
        c.close()
    if k not in (1, 5, 10):
        for row in result["questions"]:
            if "rank" in row:
                row[f"r@{k}"] = recall_at(row["top_all"], set(row["gold"]), k)
    for row in result["questions"]:
        row["top"] = row.pop("top_all")[:k]
        row.pop("gold", None)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    _print_tables(result)


def _print_tables(result: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table("group", "questions", "answerable", "R@1", "R@5", "R@10", "MRR", "nDCG@10")
    groups = [("overall", result["overall"])]
    groups += [(f"lang {name}", g) for name, g in result["by_language"].items()]
    groups += [(f"kind {name}", g) for name, g in result["by_kind"].items()]
    for name, g in groups:
        table.add_row(name, str(g["questions"]), str(g["answerable"]),
                      *("-" if g[m] is None else f"{g[m]:.3f}" for m in ("r@1", "r@5", "r@10", "mrr", "ndcg@10")))
    out.print(table)
    for row in result["cross_lingual"]:
        out.print(f"cross-lingual {row['id']}: gold page at rank {row['rank'] or 'not in top 10'}")
    misses = [r for r in result["questions"] if "rank" in r and r["rank"] != 1]
    for r in misses:
        out.print(f"[dim]{r['id']}: first gold page at rank {r['rank'] or '>10'}; top: {', '.join(r['top'][:3])}[/dim]")
