"""Wiring: builds each service once, from settings, in dependency order. Nothing else constructs them."""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from agent.checkpoint import open_checkpointer
from agent.conversations import ConversationStore
from agent.data_rights import conversation_eraser, conversation_exporter, conversations_of
from agent.llm.factory import LlmConfig, ModelHandle, build_model
from agent.runner import Runner, RunnerConfig
from agent.turns import QUEUED_TURN_WAIT_S
from agent.types import Inbound, Reply
from agent.usage import Price, UsageStore
from app.db import current_revision, make_engine, upgrade
from app.settings import Settings
from channels.outbox import OutboundMessage, Outbox, Periodic, StaffInbox, Worker
from channels.outbox.agent import AgentResumeAdapter
from channels.review import ReviewDesk
from channels.web.access import WebAccess
from channels.web.delivery import WebChatAdapter
from guardrails.access import TokenStore
from guardrails.audit import AuditLog
from guardrails.consent import (
    ConsentDesk,
    ConsentLedger,
    ConsentOffers,
    ConsentPolicy,
    ContactDirectory,
    Hooks,
    SqlScopes,
)
from guardrails.consent.summary import consent_summary
from guardrails.consent.tool import consent_request_tool
from guardrails.dsr import DsrService, checkpoint_eraser, chroma_eraser
from guardrails.dsr.erasers import consent_eraser, queue_eraser, token_eraser
from guardrails.dsr.exporters import audit_exporter, consent_exporter, crm_exporter, queue_exporter
from guardrails.dsr.stores import chroma_remove_contact, hook_eraser, knowledge_eraser
from guardrails.pii import CrmOwnership, PiiGuard, Vault, get_scanner
from guardrails.pii.pseudonymise import redact
from guardrails.verification.breaker import CircuitBreaker
from guardrails.verification.policy import VerificationPolicy
from guardrails.verification.queue import ReviewQueue
from guardrails.verification.rules import Rules, load_rules
from guardrails.verification.verifier import Verifier
from retrieval.embed_cache import CachedEmbedder
from retrieval.embeddings import Embedder, make_embedder
from retrieval.knowledge import KnowledgeBase, open_chroma
from tools.crm.store import SqlCrmStore
from tools.crm.tools import crm_tools
from tools.leads.service import LeadService
from tools.policy import Decision

log = logging.getLogger(__name__)
INTERNAL_CHANNELS = {"staff", "agent"}


def llm_config(s: Settings) -> LlmConfig:
    primary = LlmConfig(provider=s.llm_provider, model=s.llm_model, base_url=s.llm_base_url,
                        api_key=s.llm_api_key.get_secret_value(), timeout_s=s.llm_timeout_s,
                        max_retries=s.llm_max_retries, temperature=s.llm_temperature, max_tokens=s.llm_max_tokens,
                        threads=s.llm_threads, context=s.llm_context, model_path=s.model_path,
                        model_cache_dir=s.model_cache_dir, native_tools=s.llm_native_tools)
    fallbacks = tuple(replace(primary, provider=f.provider, model=f.model, base_url=f.base_url,
                              api_key=f.api_key.get_secret_value(), context=f.context, native_tools=f.native_tools,
                              model_path="") for f in s.llm_fallbacks)
    return replace(primary, fallbacks=fallbacks)


def runner_config(s: Settings) -> RunnerConfig:
    return RunnerConfig(company=s.company, retrieval_k=s.retrieval_k, history_budget_tokens=s.history_budget_tokens,
                        garbage_retries=s.llm_garbage_retries, max_tool_rounds=s.llm_max_tool_rounds)


class Container:
    def __init__(self, settings: Settings, *, model: ModelHandle | None = None, script: list[Any] | None = None,
                 tools: list[Any] | None = None):
        self.settings = settings
        self._model = model
        self._script = script
        self._extra_tools = list(tools or [])
        self._workers: list[Worker] = []
        private_dir(settings.data_dir)

    @functools.cached_property
    def engine(self):  # noqa: ANN201
        path = sqlite_file(self.settings.database_url)
        if path is not None:
            private_file(path)
        return make_engine(self.settings.database_url)

    def setup_database(self) -> None:
        """Create or migrate the schema: the one way to set up a container's database (`salesagent db upgrade`,
        each command that starts the app, tests). A new database also gets the audit chain's signed genesis
        head, so that even its empty chain has a head and a deleted chain shows as one
        (guardrails/audit/chain.py); `app.db.upgrade` alone migrates and starts no chain."""
        new = current_revision(self.engine) is None
        upgrade(self.settings.database_url)
        if new:
            self.audit.start()

    @functools.cached_property
    def crm(self) -> SqlCrmStore:
        return SqlCrmStore(self.engine)

    @functools.cached_property
    def conversations(self) -> ConversationStore:
        return ConversationStore(self.engine)

    @functools.cached_property
    def rules(self) -> Rules:
        s = self.settings
        return load_rules(s.verification_rules_path or None, window_days=s.breaker_window_days,
                          threshold=s.breaker_threshold)

    @functools.cached_property
    def queue(self) -> ReviewQueue:
        return ReviewQueue(self.engine, self.rules.queue, audit_in=self.audit.append_in)

    @functools.cached_property
    def breaker(self) -> CircuitBreaker:
        return CircuitBreaker(self.engine, self.rules.breaker, audit_in=self.audit.append_in)

    @functools.cached_property
    def verifier(self) -> Verifier:
        return Verifier(VerificationPolicy(self.rules), self.queue, self.breaker)

    @functools.cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.engine, audit_in=self.audit.append_in, max_attempts=self.settings.outbox_max_attempts)

    @functools.cached_property
    def staff_inbox(self) -> StaffInbox:
        return StaffInbox(self.engine)

    @functools.cached_property
    def desk(self) -> ReviewDesk:
        return ReviewDesk(self.queue, self.outbox, self.breaker, consent_status=self.consent_status)

    def outbound_check(self, message: OutboundMessage) -> Decision:
        """Before anything reaches a customer: may we contact them on this channel for this purpose?
        Internal deliveries (staff inbox, resuming the agent) reach no customer."""
        if message.channel in INTERNAL_CHANNELS:
            return Decision(True)
        return self.policy.can_contact(message.contact_id, message.channel, message.purpose)

    def notify(self, rep_id: str, event: dict[str, Any]) -> bool:
        """Tell a rep something (lead routed to them, …) through the outbox. `event["key"]` makes it idempotent."""
        key = str(event.get("key") or f"notify:{rep_id}:{event.get('kind', 'event')}:{event.get('id', '')}")
        return self.outbox.enqueue(OutboundMessage(key=key, channel="staff", kind=str(event.get("kind", "notification")),
                                                   recipient=f"rep:{rep_id}", payload=dict(event), source=key))

    def notify_rep(self, rep_id: str, event: dict[str, Any]) -> bool:
        """A lead for a rep: always on record in the staff inbox (through the outbox), and a DM on each chat
        channel in `lead_notify_channels` that is set up here. A failing channel never breaks routing."""
        told = self.notify(rep_id, event)
        for name, send in self.lead_notifiers().items():
            try:
                told = bool(send(rep_id, event)) or told
            except Exception:
                log.exception("lead notification through %s failed", name)
        return told

    @functools.cached_property
    def leads(self) -> LeadService:
        return LeadService(self.crm, notify=self.notify_rep, sla_minutes=self.settings.lead_sla_minutes,
                           profiling_allowed=lambda contact_id: self.policy.profiling(contact_id).allowed)

    def worker(self, **overrides: Any) -> Worker:
        """A delivery worker with every adapter this process has; `run_forever()` or `start_in_thread()` it."""
        s = self.settings
        options: dict[str, Any] = {"outbound_check": self.outbound_check, "lease_s": s.outbox_lease_s,
                                   "poll_s": s.outbox_poll_s,
                                   "periodic": [Periodic("review", self.desk.housekeeping, s.review_housekeeping_s),
                                                Periodic("leads", self.leads.housekeeping, s.lead_housekeeping_s)]}
        options.update(overrides)
        adapters = [WebChatAdapter(self.conversations), self.staff_inbox, AgentResumeAdapter(self.runner.resume)]
        if s.slack_configured:
            adapters.append(self.slack.adapter)
        if s.wecom_configured:
            adapters.append(self.wecom.adapter)
        return Worker(self.outbox, adapters, **options)

    @staticmethod
    def settle() -> None:
        """Once the app is built and warm: what startup allocated (models, schemas, compiled graphs) is moved
        out of the garbage collector's reach, so the rare full collection during a turn scans far less.
        Four alternating runs of 100 scripted turns: p95 25.3 ms on average with it, 28.1 ms without (noisy)."""
        gc.collect()
        gc.freeze()

    def start_worker(self) -> Worker:
        worker = self.worker().start_in_thread()
        self._workers.append(worker)
        return worker

    @functools.cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        return make_embedder(s.embedding_provider, s.embedding_model, s.embedding_base_url,
                             s.embedding_api_key.get_secret_value(), redact=redact)

    @functools.cached_property
    def chroma(self):  # noqa: ANN201 - chromadb client
        if not self.settings.chroma_url:  # local files: past cases (anonymised) and internal documents
            private_dir(self.settings.chroma_path)
        return open_chroma(self.settings.chroma_path, self.settings.chroma_url)

    @functools.cached_property
    def kb(self) -> KnowledgeBase:
        s = self.settings
        # embeddings are cached by content hash, so re-ingesting edited files only embeds what changed
        private_file(s.data_dir / "embeddings.sqlite")
        embedder = CachedEmbedder(self.embedder, s.data_dir / "embeddings.sqlite")
        return KnowledgeBase(self.chroma, embedder, index_dir=s.lexical_index_path)

    @functools.cached_property
    def model(self) -> ModelHandle:
        return self._model or build_model(llm_config(self.settings), script=self._script)

    @functools.cached_property
    def checkpointer(self):  # noqa: ANN201
        if sqlite_file(self.settings.database_url) is not None:  # else the checkpoints live in PostgreSQL
            private_file(self.settings.checkpoint_path)
        return open_checkpointer(self.settings.database_url, self.settings.checkpoint_path)

    @functools.cached_property
    def usage(self) -> UsageStore:
        prices = {name: Price(p.input_per_1k, p.output_per_1k) for name, p in self.settings.llm_prices.items()}
        return UsageStore(self.engine, prices, currency=self.settings.llm_currency)

    @functools.cached_property
    def pii(self) -> PiiGuard:
        # the scanner is process-wide (built on first use); the vault lives in this container's database
        return PiiGuard(scanner=get_scanner, vault=Vault(self.engine, self.settings.pii_vault_key.get_secret_value()),
                        ownership=CrmOwnership(self.crm))

    @functools.cached_property
    def runner(self) -> Runner:
        return Runner(model=self.model, conversations=self.conversations, crm=self.crm, kb=self.kb,
                      queue=self.queue, checkpointer=self.checkpointer, config=runner_config(self.settings),
                      pii=self.pii, policy=self.policy, audit=self.audit, consent=self.consent_desk,
                      verifier=self.verifier, extra_tools=[consent_request_tool(self.consent_offers), *self._extra_tools],
                      usage=self.usage, crm_toolset=self.crm_toolset)

    @functools.cached_property
    def crm_toolset(self) -> list[Any]:
        """The agent's CRM tools with everything they need; which of them a turn may call is the policy's call."""
        def similar_won_deals(text: str, k: int) -> list[Any]:
            hits = self.kb.searcher("internal").search(text, k=4 * k)
            return [h for h in hits if h.source.startswith("deals/")][:k]

        return crm_tools(self.crm, leads=self.leads, policy=self.policy, similar_cases=similar_won_deals,
                         handoff=lambda conversation_id, reason: self.runner.hand_over(conversation_id, reason))


    @functools.cached_property
    def slack(self):  # noqa: ANN201 - channels.slack.app.SlackChannel
        """The Slack channel; only built when Slack settings are present (see Settings.slack_configured)."""
        from channels.slack.app import SlackChannel
        from channels.slack.config import SlackConfig
        from channels.slack.decisions import DeskDecisions
        from channels.slack.directory import CrmDirectory

        s = self.settings
        if not s.slack_configured:
            raise RuntimeError("Slack is not configured: set SALESAGENT_SLACK_BOT_TOKEN and "
                               "SALESAGENT_SLACK_SIGNING_SECRET (or SLACK_SOCKET_MODE + SLACK_APP_TOKEN)")
        config = SlackConfig(
            bot_token=s.slack_bot_token.get_secret_value(), signing_secret=s.slack_signing_secret.get_secret_value(),
            reviewers_channel=s.slack_reviewers_channel, socket_mode=s.slack_socket_mode,
            app_token=s.slack_app_token.get_secret_value(), api_url=s.slack_api_url, streaming=s.slack_streaming,
            poll_interval_s=s.slack_poll_interval_s, console_url=f"{s.public_url.rstrip('/')}/review",
            max_message_chars=s.max_message_chars)
        # `/sales lead` captures and routes; Accept / Decline (and a missed deadline) settle the offer
        return SlackChannel(config, engine=self.engine, runner=self.runner, conversations=self.conversations,
                            queue=self.queue, directory=CrmDirectory(self.crm),
                            decisions=DeskDecisions(self.desk, max_chars=s.max_message_chars),
                            create_lead=self.leads.create_lead, route_lead=self.leads.route_lead,
                            on_decline=self.leads.on_decline, on_accept=self.leads.on_accept)

    @functools.cached_property
    def tokens(self) -> TokenStore:
        return TokenStore(self.engine)

    @functools.cached_property
    def audit(self) -> AuditLog:
        # The genesis head is written by `setup_database` (or `salesagent audit start`), never here: a chain
        # found without a head was deleted, and starting it on first use would make it look new.
        return AuditLog(self.engine, key=self.audit_key)

    @functools.cached_property
    def audit_key(self) -> bytes:
        """Signs the audit chain's head. From settings (several app nodes share it), else a file made once
        in the data dir (mode 600): the key must live outside the database it protects."""
        configured = self.settings.audit_key.get_secret_value()
        if configured:
            return configured.encode()
        path = self.settings.data_dir / "audit_key"
        if not path.exists():
            write_private(path, secrets.token_hex(32) + "\n", replace=False)
        return path.read_text().strip().encode()

    # -- consent and data-subject rights ---------------------------------------------------------

    @functools.cached_property
    def hooks(self) -> Hooks:
        hooks = Hooks()
        # a contact's past cases stop helping others the moment they withdraw case_learning or are frozen
        # (through the knowledge base, so its BM25 index forgets them too; then any other collection that
        # holds vectors derived from them)
        def forget(contact_id: str, **_: Any) -> int:
            return self.kb.remove_contact(contact_id) + chroma_remove_contact(self.chroma)(contact_id)

        hooks.on("consent.revoked", forget, purpose="case_learning", name="knowledge.remove_contact")
        hooks.on("contact.frozen", forget, name="knowledge.remove_contact")
        return hooks

    def sync_case_knowledge(self):  # noqa: ANN201 - retrieval.cases.CaseSyncReport
        """Index past cases and won deals for the contacts whose `case_learning` consent allows it, anonymised
        by the PII guardrails first; drop what is no longer allowed. Run at seed time and by the worker."""
        from retrieval.cases import sync_case_knowledge

        return sync_case_knowledge(self.kb, self.crm, anonymise=redact,
                                   allowed=self.policy.case_learning_allowed)

    @functools.cached_property
    def consents(self) -> ConsentLedger:
        return ConsentLedger(self.engine, audit=self.audit, hooks=self.hooks)

    @functools.cached_property
    def policy(self) -> ConsentPolicy:
        return ConsentPolicy(self.consents, SqlScopes(self.engine), audit=self.audit)

    @functools.cached_property
    def consent_offers(self) -> ConsentOffers:
        return ConsentOffers(self.engine, self.consents, company=self.settings.company)

    @functools.cached_property
    def dsr(self) -> DsrService:
        e = self.engine
        return DsrService(
            e, audit=self.audit, hooks=self.hooks, conversations_of=conversations_of(e),
            erasers=[hook_eraser("pii_vault", by_contact=self.pii.erase_contact,
                                 by_conversation=self.pii.erase_conversation),
                     knowledge_eraser(self.kb.erase, self.chroma), chroma_eraser(self.chroma),
                     checkpoint_eraser(self.checkpointer, files=[self.settings.checkpoint_path]),
                     conversation_eraser(e), queue_eraser(e), consent_eraser(self.consents, e), token_eraser(e)],
            exporters=[crm_exporter(e), conversation_exporter(e), consent_exporter(self.consents),
                       audit_exporter(self.audit), queue_exporter(e)],
        )

    @functools.cached_property
    def consent_desk(self) -> ConsentDesk:
        return ConsentDesk(self.consents, self.dsr, audit=self.audit, directory=ContactDirectory(self.engine))

    @functools.cached_property
    def wecom(self):  # noqa: ANN201 - channels.wecom.service.WeComChannel; only when configured
        from channels.wecom.service import WeComChannel, WeComConfig

        s = self.settings
        cfg = WeComConfig(corp_id=s.wecom_corp_id, token=s.wecom_token.get_secret_value(),
                          encoding_aes_key=s.wecom_encoding_aes_key.get_secret_value(), agent_id=s.wecom_agent_id,
                          secret=s.wecom_secret.get_secret_value(), api_base=s.wecom_api_base)
        return WeComChannel(cfg, self.engine, handle_inbound=self.handle_queued, rep_for_user=self.rep_for_wecom_user,
                            rep=self.crm.rep, conversations=self.conversations)

    def lead_notifiers(self) -> dict[str, Any]:
        """`notify(rep_id, event)` per channel named in `lead_notify_channels` that is set up here."""
        out: dict[str, Any] = {}
        if "slack" in self.settings.lead_notify_channels and self.settings.slack_configured:
            out["slack"] = self.slack.notify
        if "wecom" in self.settings.lead_notify_channels and self.settings.wecom_configured:
            out["wecom"] = self.wecom.notifier.notify
        return out

    def handle_queued(self, inbound: Inbound) -> Reply:
        """A turn for a channel that acked the message already (WeCom): it waits its turn for long."""
        return self.runner.handle(inbound, wait_s=QUEUED_TURN_WAIT_S)

    def rep_for_wecom_user(self, userid: str) -> str | None:
        """The active rep behind a WeCom member id (crm_reps.wecom_user_id), if any."""
        from sqlalchemy import select

        from tools.crm.models import Rep

        with self.crm.session() as s:
            return s.scalar(select(Rep.id).where(Rep.wecom_user_id == userid, Rep.active.is_(True))) if userid else None

    def consent_status(self, contact_id: str | None, channel: str = "wecom") -> dict[str, Any]:
        """A person-readable summary of the contact's consent (console, sidebar); the policy decides."""
        return consent_summary(self.consents, contact_id, channel)

    def record_consent(self, record: dict[str, Any]) -> dict[str, Any]:
        """The web widget's notice answer. A conversation linked to a CRM contact gets a ledger grant (with the
        exact notice text kept by hash as provenance); an anonymous visitor's answer is kept in the audit chain
        only, since consent belongs to a person we know."""
        cid = str(record.get("conversation_id", ""))
        convo = self.conversations.get(cid)
        contact_id = convo.contact_id if convo else None
        if record["decision"] == "granted" and contact_id:
            notice_hash = hashlib.sha256(record["notice_text"].encode()).hexdigest()
            self.consents.keep_notice(text=record["notice_text"], notice_hash=notice_hash, template="web_widget",
                                      template_version=record["notice_version"], language=record["language"])
            grant = self.consents.grant(contact_id, "service", ["conversation_content", "contact_details"], ["web"],
                                        source="web_widget", recorded_by=f"web_visitor:{cid}", given_in=cid,
                                        notice_version=record["notice_version"], notice_hash=notice_hash)
            return {"recorded": True, "ref": f"consent_grant:{grant.id}"}
        seq = self.audit.append(actor=f"web_visitor:{cid}", action="consent.widget_" + record["decision"],
                                subject=f"contact:{contact_id}" if contact_id else f"conversation:{cid}",
                                purpose="service", detail={"notice_version": record["notice_version"],
                                                           "language": record["language"], "channel": "web"})
        return {"recorded": True, "ref": f"audit:{seq}"}

    @functools.cached_property
    def web_access(self) -> WebAccess:
        """Web chat conversation keys, under a key derived from the audit key (one secret to keep, and a
        leaked conversation key says nothing about the audit chain's)."""
        secret = hmac.new(self.audit_key, b"salesagent web chat conversation keys", hashlib.sha256).digest()
        return WebAccess(self.conversations, secret, self.settings.widget_identity_secret.get_secret_value().encode())

    def bootstrap_admin_token(self) -> Path | None:
        """On first start, create an admin token and leave it (mode 600) in the data dir to sign in with."""
        if self.tokens.has_active("admin"):
            return None
        path = self.settings.data_dir / "admin_token"
        write_private(path, self.tokens.create("admin", "admin", label="bootstrap") + "\n", replace=True)
        return path

    def close(self) -> None:
        if "wecom" in self.__dict__:
            self.wecom.close()
        for worker in self._workers:
            worker.stop()
        self._workers.clear()
        if "kb" in self.__dict__:
            self.kb.embedder.close()
        if "model" in self.__dict__:
            self.model.close()
        if "checkpointer" in self.__dict__:
            self.checkpointer.conn.close()
        if "engine" in self.__dict__:
            self.engine.dispose()


# -- files with secrets and personal data: private from the moment they exist ---------------------------


def private_dir(path: Path) -> None:
    """Create `path` (the data dir, local Chroma) as 0700 when it does not exist yet. An existing directory
    is left as it is: it is the operator's (a mount point, a folder shared with backup tooling, or set up
    on purpose), and changing its mode under them could break that. What in it holds secrets or personal
    data is made 0600 itself (below), so its mode only shows their names; README says to chmod 700 it."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:  # another process made it just now, the same way
        return
    path.chmod(0o700)  # mkdir's mode passes through the umask; we made it, so it is exactly 0700


def private_file(path: Path) -> None:
    """Create an empty SQLite file as 0600 before SQLite first opens it: SQLite gives the -wal, -shm and
    journal files it makes the database file's mode, and treats an empty file as a new database. An
    existing file keeps its mode (one made by an older version: chmod 600 it, see README)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def write_private(path: Path, text: str, *, replace: bool) -> bool:
    """Write a secret to `path`, readable by its owner only from its first byte: it goes to a new temporary
    file made with O_EXCL and mode 0600 (never an existing file or a symlink), which is then renamed over
    `path` (`replace`) or linked to it only if nothing is there, so processes starting together agree on
    one key and none reads a half-written one. False: `path` was there already (and is left alone)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)
