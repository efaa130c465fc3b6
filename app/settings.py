"""Effective settings: environment (prefix SALESAGENT_), then `.env`, then defaults.

One object, built once in the composition root and handed down; lower layers receive the
plain values they need, never this class.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "salesagent"
DEFAULT_MODEL_CACHE = Path.home() / ".cache" / "salesagent" / "models"


class FallbackModel(BaseModel):
    """One entry of the fallback chain (SALESAGENT_LLM_FALLBACKS, a JSON list of these)."""

    provider: Literal["local", "openai", "scripted"] = "openai"
    model: str
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    context: int = 8192
    native_tools: bool | None = None


class ModelPrice(BaseModel):
    input_per_1k: float = 0.0
    output_per_1k: float = 0.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SALESAGENT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where the SQLite file, Chroma and checkpoints live.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means a SQLite file in data_dir.")
    chroma_url: str = Field("", description="http(s)://host:port of a Chroma server; empty means local files.")

    llm_provider: Literal["local", "openai", "scripted"] = "local"
    llm_model: str = Field("qwen2.5-1.5b", description="Local model id, or the model name at the endpoint.")
    llm_base_url: str = Field("", description="OpenAI-compatible base URL (provider openai).")
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 1
    llm_temperature: float = 0.2
    llm_max_tokens: int = 384
    llm_threads: int = 0  # 0 = all cores
    llm_context: int = 4096
    model_path: str = Field("", description="Any GGUF file; overrides llm_model for the local provider.")
    model_cache_dir: Path = DEFAULT_MODEL_CACHE
    llm_native_tools: bool | None = Field(None, description="Does the model emit tool calls itself? Empty: local "
                                          "no, openai yes. No means tool calls through constrained JSON decoding.")
    llm_fallbacks: list[FallbackModel] = Field(default_factory=list, description="Tried in order when the model "
                                               "fails or returns garbage, e.g. [{\"provider\": \"openai\", "
                                               "\"model\": \"gpt-4o-mini\", \"api_key\": \"…\"}].")
    llm_garbage_retries: int = Field(1, description="Ask the same model again after unusable output, before falling "
                                     "back; when every model fails the customer gets a safe reply and a person.")
    llm_max_tool_rounds: int = Field(2, description="Tool results per turn before a constrained model must answer.")
    llm_prices: dict[str, ModelPrice] = Field(default_factory=dict, description="Per model name: input_per_1k and "
                                              "output_per_1k, in llm_currency. Unlisted models cost 0.")
    llm_currency: str = "USD"
    company: str = Field("Lumen Analytics", description="The company the agent speaks for (named in the system prompt "
                                                         "and consent offers).")
    retrieval_k: int = Field(4, description="Most passages per search; fewer and shorter on a small context window.")
    history_budget_tokens: int = Field(0, description="Cap on conversation history tokens; 0 = what the model's "
                                       "window leaves after the prompt, sources and answer reserve.")

    embedding_provider: Literal["local", "openai"] = "local"
    embedding_model: str = "multilingual-e5-small"
    embedding_base_url: str = ""
    embedding_api_key: SecretStr = SecretStr("")

    audit_key: SecretStr = Field(SecretStr(""), description="Signs the audit chain's head; empty means a key "
                                 "file made once in data_dir. Set the same value on every app node.")

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field("", description="Base URL users reach us at; defaults to http://host:port.")
    cookie_secure: Literal["auto", "true", "false"] = Field(
        "auto", description="The console's session cookie is Secure (sent over HTTPS only): true, false, or auto = "
        "when the request came over HTTPS, as seen directly or told by a trusted proxy's X-Forwarded-Proto "
        "(uvicorn trusts FORWARDED_ALLOW_IPS, default 127.0.0.1). Behind a TLS proxy elsewhere: set true.")
    max_message_chars: int = 8000
    pii_vault_key: SecretStr = Field(SecretStr(""), description="Encrypts PII vault values at rest when set.")

    # WeCom (企业微信): the callback and sidebar are mounted only when corp id, token and key are set.
    wecom_corp_id: str = Field("", description="企业ID (My Company → Company Info).")
    wecom_token: SecretStr = Field(SecretStr(""), description="Callback Token (app → Receive Messages → API).")
    wecom_encoding_aes_key: SecretStr = Field(SecretStr(""), description="Callback EncodingAESKey (43 chars).")
    wecom_agent_id: str = Field("", description="AgentId of the self-built app.")
    wecom_secret: SecretStr = Field(SecretStr(""), description="The app's Secret (for access_token).")
    wecom_api_base: str = Field("https://qyapi.weixin.qq.com", description="WeCom server API root.")
    widget_identity_secret: SecretStr = Field(SecretStr(""), description="Shared with the site's backend, which "
                                              "signs a signed-in visitor's id (visitor_hash); empty: every web "
                                              "visitor is anonymous, never linked to a CRM contact.")
    widget_allowed_origins: list[str] = Field(default_factory=list, description="Sites allowed to call the "
                                              "chat API from the embedded widget, e.g. [\"https://www.example.com\"].")
    lead_notify_channels: list[str] = Field(default_factory=lambda: ["slack"], description="Where reps hear of "
                                            "new leads: any of slack, wecom.")
    lead_sla_minutes: float = Field(30.0, description="A routed lead not accepted within this goes to the next rep.")
    lead_housekeeping_s: float = Field(60.0, description="How often the worker re-routes expired offers and "
                                       "retries queued leads.")

    slack_bot_token: SecretStr = Field(SecretStr(""), description="xoxb-… bot token; Slack is off while empty.")
    slack_signing_secret: SecretStr = Field(SecretStr(""), description="Verifies requests to /slack/* (HTTP mode).")
    slack_reviewers_channel: str = Field("", description="Channel id where review items get Approve/Edit/Reject.")
    slack_socket_mode: bool = Field(False, description="Connect out to Slack instead of receiving HTTP requests.")
    slack_app_token: SecretStr = Field(SecretStr(""), description="xapp-… app-level token for Socket Mode.")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base (a local fake in tests).")
    slack_streaming: bool = Field(True, description="Stream answers (chat.startStream); off = progressive edits.")
    slack_poll_interval_s: float = Field(5.0, description="Review queue sync and lead SLA sweep period; 0 = off.")

    verification_rules_path: str = Field("", description="JSON file of verification rules; empty means the shipped "
                                         "defaults (guardrails/verification/default_rules.json).")
    breaker_window_days: float | None = Field(None, description="Circuit breaker window; overrides the rules file.")
    breaker_threshold: float | None = Field(None, description="Share of rejected or heavily edited drafts that "
                                            "switches a flow to always-review; overrides the rules file.")
    outbox_in_process: bool = Field(True, description="Run a delivery worker inside the web process.")
    outbox_poll_s: float = 0.5
    outbox_lease_s: float = 30.0
    outbox_max_attempts: int = 10
    review_housekeeping_s: float = Field(15.0, description="How often workers reap leases, escalate and expire.")

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        self.data_dir = Path(self.data_dir).expanduser()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'salesagent.db'}"
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        return self

    @property
    def wecom_configured(self) -> bool:
        return bool(self.wecom_corp_id and self.wecom_token.get_secret_value()
                    and self.wecom_encoding_aes_key.get_secret_value())

    @property
    def slack_configured(self) -> bool:
        """A bot token plus a way to receive events: a signing secret (HTTP) or an app token (Socket Mode)."""
        if not self.slack_bot_token.get_secret_value():
            return False
        if self.slack_socket_mode:
            return bool(self.slack_app_token.get_secret_value())
        return bool(self.slack_signing_secret.get_secret_value())

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_index_path(self) -> Path:
        """BM25 indexes: inside the Chroma folder when it is local (copied and backed up with it)."""
        return self.data_dir / "lexical" if self.chroma_url else self.chroma_path / "lexical"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    def masked(self) -> dict[str, object]:
        """Settings as plain values with every secret (and any password in a URL) masked."""
        out: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = "********" if value.get_secret_value() else ""
            elif name.endswith("_url") and isinstance(value, str):
                out[name] = _mask_url_password(value)
            elif name in ("llm_fallbacks", "llm_prices"):  # nested models: secrets show as ******, URLs masked
                dumped = [f.model_dump(mode="json") for f in value] if isinstance(value, list) else \
                    {k: v.model_dump(mode="json") for k, v in value.items()}
                for item in dumped if isinstance(dumped, list) else []:
                    item["base_url"] = _mask_url_password(item.get("base_url", ""))
                out[name] = dumped
            else:
                out[name] = str(value) if isinstance(value, Path) else value
        return out


# query parameters that carry credentials (Azure's api-key, a signed URL's sig, ?token=…); others such as
# api-version stay readable
SECRET_QUERY = re.compile(r"key|token|secret|pass|sig|auth|credential|code", re.I)


def _mask_url_password(url: str) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":********@"))
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        parts = parts._replace(query=urlencode([(k, "********" if SECRET_QUERY.search(k) and v else v)
                                                for k, v in pairs], safe="*"))
    return urlunsplit(parts)
