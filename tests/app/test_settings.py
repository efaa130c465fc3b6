from pathlib import Path

from app.settings import Settings, _mask_url_password


def test_env_prefix_and_dotenv(tmp_path: Path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("SALESAGENT_LLM_PROVIDER=openai\nSALESAGENT_LLM_MODEL=from-dotenv\n")
    monkeypatch.setenv("SALESAGENT_LLM_MODEL", "from-env")
    s = Settings(_env_file=env, data_dir=tmp_path)
    assert s.llm_provider == "openai"  # from .env
    assert s.llm_model == "from-env"  # the environment wins over .env


def test_defaults_put_everything_under_the_data_dir(tmp_path: Path):
    s = Settings(_env_file=None, data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path / 'salesagent.db'}"
    assert s.chroma_path == tmp_path / "chroma"
    assert s.llm_provider == "local"


def test_masked_hides_secrets_and_url_passwords(tmp_path: Path):
    s = Settings(_env_file=None, data_dir=tmp_path, llm_api_key="sk-very-secret",
                 database_url="postgresql+psycopg://app:hunter2@db.internal:5432/sales")
    shown = str(s.masked())
    assert "sk-very-secret" not in shown and "hunter2" not in shown
    assert s.masked()["llm_api_key"] == "********"
    assert s.masked()["database_url"] == "postgresql+psycopg://app:********@db.internal:5432/sales"
    assert _mask_url_password("https://u:pw123@llm.example/v1?api-key=QSECRET&api-version=2024-06-01") == \
        "https://u:********@llm.example/v1?api-key=********&api-version=2024-06-01"
    assert Settings(_env_file=None, data_dir=tmp_path).masked()["llm_api_key"] == ""


def test_fallback_chain_and_prices_come_from_json_env_and_show_masked(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SALESAGENT_LLM_FALLBACKS", '[{"provider": "openai", "model": "gpt-4o-mini", '
                       '"base_url": "https://u:pw-123@llm.example/v1", "api_key": "sk-fallback-secret"}]')
    monkeypatch.setenv("SALESAGENT_LLM_PRICES", '{"gpt-4o-mini": {"input_per_1k": 0.15, "output_per_1k": 0.6}}')
    s = Settings(_env_file=None, data_dir=tmp_path)
    assert s.llm_fallbacks[0].model == "gpt-4o-mini" and s.llm_prices["gpt-4o-mini"].output_per_1k == 0.6
    shown = str(s.masked())
    assert "sk-fallback-secret" not in shown and "pw-123" not in shown and "gpt-4o-mini" in shown

    from app.container import llm_config

    [fb] = llm_config(s).fallbacks
    assert (fb.provider, fb.model, fb.api_key, fb.native_tools) == ("openai", "gpt-4o-mini", "sk-fallback-secret", None)
