import hashlib
from pathlib import Path

import pytest

from agent.llm.weights import MODELS, ModelIntegrityError, ModelMissing, ModelSpec, spec_for, verify


def test_hash_mismatch_names_expected_and_actual(tmp_path: Path):
    f = tmp_path / "m.gguf"
    f.write_bytes(b"not the model")
    spec = ModelSpec("x", "m.gguf", (), ".bin", 13, "0" * 64)
    with pytest.raises(ModelIntegrityError) as err:
        verify(spec, f)
    msg = str(err.value)
    assert "0" * 64 in msg and hashlib.sha256(b"not the model").hexdigest() in msg


def test_missing_file_says_how_to_fetch(tmp_path: Path):
    with pytest.raises(ModelMissing, match="salesagent model fetch qwen2.5-1.5b"):
        verify(MODELS["qwen2.5-1.5b"], tmp_path / "absent.gguf")


def test_unknown_model_lists_known_ones():
    with pytest.raises(ModelMissing, match="qwen2.5-1.5b"):
        spec_for("gpt-17")


def test_pins_match_the_design_facts():
    assert MODELS["qwen2.5-1.5b"].size == 1_117_320_768
    assert MODELS["qwen2.5-1.5b"].sha256.startswith("cc324af070c2")
    assert len(MODELS["qwen2.5-1.5b"].packages) == 22
