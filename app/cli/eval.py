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


@eval_cli.command("answers")
def eval_answers(
    corpus: Annotated[Path, typer.Option(help="Folder of documents; gold paths are relative to it.")],
    questions: Annotated[Path, typer.Option(help="JSONL: id, lang, question, gold, answer_facts, kind.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the full result (per question) as JSON, "
                                                                "with FILE.md and PNG charts next to it.")]
    = None,
    provider: Annotated[str, typer.Option(help="scripted | local | openai (endpoint from SALESAGENT_LLM_*).")]
    = "local",
    limit: Annotated[int, typer.Option(help="Ask only the first N questions (0: all).")] = 0,
    cache_dir: Annotated[Path | None, typer.Option(help="Where ingested corpora are kept (default <data_dir>/eval).")]
    = None,
    company: Annotated[str, typer.Option(help="The company the agent speaks for (default: SALESAGENT_COMPANY, "
                                              "else the demo company).")] = "",
) -> None:
    """Answer quality through the real runner: fact coverage, citations, unanswerable questions handled,
    reply language, latency; per language and kind. A missing corpus folder is skipped, not an error."""
    from evals.answers import evaluate_answers, load_answer_questions
    from evals.harness import PROVIDERS

    if not corpus.is_dir():
        out.print(f"[yellow]skipped: corpus folder {corpus} is absent[/yellow]")
        return
    if provider not in PROVIDERS:
        err.print(f"[red]unknown provider {provider!r}: use {', '.join(PROVIDERS)}[/red]")
        raise typer.Exit(2)
    try:
        qs = load_answer_questions(questions)
    except (OSError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    qs = qs[:limit] if limit > 0 else qs
    from app.settings import Settings

    cache = cache_dir or Settings().data_dir / "eval"
    cache.mkdir(parents=True, exist_ok=True)
    with progress() as bar:
        task = bar.add_task(f"ingesting {corpus}", total=None)
        result = evaluate_answers(
            corpus, qs, provider=provider, cache_dir=cache, settings={"company": company} if company else None,
            ingest_progress=lambda i, n: bar.update(task, completed=i, total=n),
            on_row=lambda row: bar.update(task, description=f"answering ({row['id']}: {row['status']})"))
    result["limit"] = limit or None
    _print_answer_tables(result)
    if out_file:
        from evals.answers_report import write_answers

        out.print("wrote " + ", ".join(str(p) for p in write_answers(out_file, result)))
    if limit:
        out.print(f"[yellow]subset: the first {len(qs)} questions only (--limit {limit})[/yellow]")


@eval_cli.command("run")
def eval_run(
    suites: Annotated[list[str], typer.Argument(help="Suite names, or 'all'. See `salesagent eval suites`.")],
    provider: Annotated[str, typer.Option(help="scripted | local | openai (endpoint from SALESAGENT_LLM_*).")]
    = "scripted",
    out_dir: Annotated[Path, typer.Option("--out", help="Report folder; the previous run there is compared.")]
    = Path("eval-results"),
    cache_dir: Annotated[Path | None, typer.Option(help="Where the ingested demo docs are kept (default "
                                                         "<data_dir>/eval).")] = None,
) -> None:
    """Run suites through the real runner in a fresh app each; write result.json, report.md and charts.
    Exits 1 when a zero-tolerance metric (PII leak, consent violation, red-team breach, tool missing) fails."""
    from app.settings import Settings
    from evals.harness import PROVIDERS
    from evals.report import write
    from evals.run import run_suites
    from evals.suites import SUITES

    names = list(SUITES) if suites == ["all"] else suites
    if provider not in PROVIDERS:
        err.print(f"[red]unknown provider {provider!r}: use {', '.join(PROVIDERS)}[/red]")
        raise typer.Exit(2)
    if unknown := [n for n in names if n not in SUITES]:
        err.print(f"[red]unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}[/red]")
        raise typer.Exit(2)
    cache = cache_dir or Settings().data_dir / "eval"
    cache.mkdir(parents=True, exist_ok=True)
    run = run_suites(names, provider, cache_dir=cache, log=lambda msg: err.print(f"[dim]{msg}[/dim]"))
    written = write(out_dir, run)
    _print_run(run)
    out.print("wrote " + ", ".join(str(p) for p in written))
    if any(s["verdict"] == "fail" for s in run["suites"].values()):
        raise typer.Exit(1)


@eval_cli.command("suites")
def eval_suites() -> None:
    """List the suites and the providers each one runs with."""
    from evals.suites import SUITES

    for s in SUITES.values():
        out.print(f"[bold]{s.name}[/bold] ({', '.join(s.providers)}): {s.about}")


def _print_run(run: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table("suite", "verdict", "cases", "passed", "PII leaks", "consent", "breaches", "known gaps",
                  "tool missing", "p50 s", "tokens/turn", f"cost/turn ({run.get('currency', 'USD')})",
                  title=f"eval run — {run['provider']}")
    for name, s in run["suites"].items():
        m = s["metrics"]
        table.add_row(name, s["verdict"], *(str(m.get(k, "-")) for k in (
            "cases", "passed", "pii_leaks", "consent_violations", "breaches", "known_breaches", "tool_missing")),
            "-" if m.get("p50_s") is None else f"{m['p50_s']:.2f}",
            "-" if m.get("tokens_per_turn") is None else f"{m['tokens_per_turn']:.0f}",
            "-" if m.get("cost_per_turn") is None else f"{m['cost_per_turn']:.6f}")
    out.print(table)
    for name, s in run["suites"].items():
        for c in s["cases"]:
            if not c["passed"]:
                out.print(f"[red]{name}/{c['id']}[/red]: {c['outcome'][:200]}")
    worse = [c for c in run.get("comparison", []) if c["worse"]]
    for c in worse:
        out.print(f"[yellow]worse than the previous run: {c['suite']} {c['metric']} {c['previous']} → "
                  f"{c['current']}[/yellow]")


def _print_answer_tables(result: dict[str, Any]) -> None:
    from rich.table import Table

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f}"

    table = Table("group", "n", "coverage", "draft cov.", "cited", "cite ok", "cite prec.", "unans. handled",
                  "lang ok", "p50 s", "p95 s", "tokens", f"cost ({result.get('currency', 'USD')})", "status",
                  title=f"eval answers — {result['provider']} ({result['model']})")
    groups = [("overall", result["overall"])]
    groups += [(f"lang {k}", g) for k, g in result["by_language"].items()]
    groups += [(f"kind {k}", g) for k, g in result["by_kind"].items()]
    for name, g in groups:
        table.add_row(name, str(g["questions"]), pct(g["coverage"]), pct(g["draft_coverage"]),
                      pct(g["citations_present"]), pct(g["citation_correct"]), pct(g["citation_precision"]),
                      f"{pct(g['unanswerable_handled'])} ({g['unanswerable_handled_n']})" if g["unanswerable"] else "-",
                      pct(g["language_match"]), pct(g["p50_s"]), pct(g["p95_s"]),
                      "-" if g["tokens_per_answer"] is None else f"{g['tokens_per_answer']:.0f}",
                      "-" if g.get("cost_per_answer") is None else f"{g['cost_per_answer']:.6f}",
                      " ".join(f"{k}:{v}" for k, v in g["status"].items()))
    out.print(table)
    if host := result.get("host"):
        out.print(f"[dim]{host['before']['cpus']} CPUs; load average {host['before']['loadavg_1m']} before, "
                  f"{host['after']['loadavg_1m']} after[/dim]")


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
