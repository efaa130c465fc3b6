"""Database engine and migrations. SQLite file by default; PostgreSQL by URL with the same code."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from agent.conversations import ConversationBase
from agent.turns import TurnLease  # noqa: F401 - registers turn_leases (on ConversationBase's metadata)
from agent.usage import LlmUsage  # noqa: F401 - registers llm_usage (on ConversationBase's metadata)
from channels.outbox import OutboxBase
from channels.slack.store import SlackBase
from channels.wecom.store import WeComBase
from guardrails.access.tokens import AccessBase
from guardrails.audit.chain import AuditBase
from guardrails.consent.models import ConsentBase
from guardrails.dsr.models import DsrBase
from guardrails.pii.vault import PiiBase
from guardrails.verification.breaker import FlowState  # noqa: F401 - registers review_flow_states
from guardrails.verification.queue import VerificationBase
from tools.crm.models import CrmBase

# Every package's tables; Alembic compares migrations against these.
ALL_METADATA: list[MetaData] = [
    CrmBase.metadata,
    ConversationBase.metadata,
    VerificationBase.metadata,
    AccessBase.metadata,
    AuditBase.metadata,
    PiiBase.metadata,
    WeComBase.metadata,
    ConsentBase.metadata,
    DsrBase.metadata,
    SlackBase.metadata,
    OutboxBase.metadata,
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str, *, pooled: bool = True) -> Engine:
    # hide_parameters: SQL errors and engine logs must never carry the personal data in a statement
    parsed = make_url(url)
    extra = {} if pooled else {"poolclass": NullPool}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True,
                               **extra)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if pooled:
        extra = {"pool_size": 10, "max_overflow": 20}
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **extra)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    # WAL lets readers run beside one writer; busy_timeout waits instead of failing on a lock.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    # deleted and overwritten content is zeroed, so an erasure leaves no bytes behind in the file
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
