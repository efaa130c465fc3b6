"""`salesagent worker`: delivery workers in their own processes (at scale; the web process runs one
in-process worker unless SALESAGENT_OUTBOX_IN_PROCESS=false)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
from typing import Annotated

import typer

from app.cli.common import container, err, out

worker_cli = typer.Typer()


def _run(once: bool) -> int:
    from guardrails.pii.logfilter import install_log_redaction

    install_log_redaction()  # in every worker process (spawned children start afresh): delivery logs name people
    c = container()
    worker = c.worker()
    try:
        if once:
            worker.housekeeping(force=True)
            return worker.drain(timeout=300)
        signal.signal(signal.SIGTERM, lambda *_: worker.stop(timeout=0))
        err.print(f"worker {worker.id}: delivering (channels: {', '.join(sorted(worker.adapters))}); Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            worker.run_forever()
        return 0
    finally:
        c.close()


@worker_cli.command()
def worker(once: Annotated[bool, typer.Option(help="Deliver what is due, run housekeeping once, and exit.")] = False,
           processes: Annotated[int, typer.Option(min=1, max=64, help="Worker processes to run.")] = 1) -> None:
    """Deliver approved replies, notifications and tool-call decisions from the outbox (retries, backoff,
    exactly-once per idempotency key). Any number may run at once, on any machine sharing the database."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    c = container()
    try:
        c.setup_database()
    finally:
        c.close()
    if processes == 1 or once:
        handled = _run(once)
        if once:
            out.print(f"delivered or settled {handled} outbox message(s)")
        return
    children = [multiprocessing.get_context("spawn").Process(target=_run, args=(False,), daemon=False)
                for _ in range(processes)]
    for child in children:
        child.start()
    try:
        for child in children:
            child.join()
    except KeyboardInterrupt:
        for child in children:
            child.terminate()
            child.join(10)
