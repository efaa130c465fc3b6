"""The conversation runner: one inbound message in, one reply out, every step persisted.

channel → identity → store inbound → retrieve → agent (tools, checkpointed) → cite → verify → store.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool
from langgraph.types import Command, Interrupt

from agent.citing import attach_citations
from agent.context import TurnContext
from agent.conversations import ConversationStore
from agent.grounding import NOT_DOCUMENTED, undocumented_terms
from agent.llm.factory import ModelHandle
from agent.middleware import stack as middleware_stack
from agent.middleware.approvals import approval_gate
from agent.middleware.constrained import AnswerStream
from agent.middleware.garbage import ModelGarbage
from agent.turns import Lease, TurnLeases
from agent.types import Inbound, Reply
from agent.usage import UsageStore
from guardrails.audit import AuditLog
from guardrails.consent.desk import ConsentDesk
from guardrails.consent.policy import ConsentPolicy
from guardrails.pii import PiiGuard, Recipient
from guardrails.verification.policy import DraftFacts, VerificationPolicy, other_person_pii
from guardrails.verification.queue import ReviewQueue
from guardrails.verification.verifier import Verifier, flow_of
from prompts import load as load_prompt
from retrieval.chunking import detect_language
from retrieval.knowledge import KnowledgeBase
from retrieval.tool import knowledge_tool
from tools.crm.store import CrmStore
from tools.crm.tools import crm_tools

log = logging.getLogger(__name__)

HOLDING = {
    "en": "Thanks for your patience — a colleague is checking this answer and will reply here shortly.",
    "zh": "感谢您的耐心等待，我们的同事正在核实这个回答，稍后会在这里回复您。",
}
FALLBACK = {
    "en": "Sorry, I can't answer that right now. I've passed your message to our team and a person will "
          "reply here soon.",
    "zh": "抱歉，我现在无法回答。我已经把您的消息转给了我们的团队，稍后会有同事在这里回复您。",
}
# A turn's graph state is written once, when the turn ends (or stops at a reviewer's approval), not after
# every step in a background thread: one write instead of several, and nothing half-done to resume from a
# turn that crashed (its inbound message is stored, the turn is simply taken again).
DURABILITY = "exit"
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n+")


class ConversationMismatch(PermissionError):
    """A turn for a conversation that belongs to another persona or channel."""


@dataclass
class RunnerConfig:
    company: str = "Lumen Analytics"
    retrieval_k: int = 4  # at most this many passages; fewer (and shorter) when the model's window is small
    history_budget_tokens: int = 0  # 0: whatever the window leaves (agent.budget); > 0 caps it further
    garbage_retries: int = 1  # ask the same model again after garbage, before the fallback chain
    max_tool_rounds: int = 2  # tool results per turn before a constrained model must answer


class Runner:
    def __init__(self, *, model: ModelHandle, conversations: ConversationStore, crm: CrmStore,
                 kb: KnowledgeBase, queue: ReviewQueue, checkpointer: Any, config: RunnerConfig | None = None,
                 pii: PiiGuard | None = None, policy: ConsentPolicy | None = None, audit: AuditLog | None = None,
                 consent: ConsentDesk | None = None, verifier: Verifier | None = None,
                 extra_tools: Sequence[BaseTool] = (), usage: UsageStore | None = None,
                 crm_toolset: Sequence[BaseTool] | None = None, turns: TurnLeases | None = None):
        self.model = model
        # every entry point that runs the graph takes the conversation's lease (agent.turns): the one place
        # all channels pass through, so none of them needs a lock of its own
        self.turns = turns or TurnLeases(conversations.engine)
        self.pii = pii
        self.consent = consent
        self.conversations = conversations
        self.crm = crm
        self.kb = kb
        self.queue = queue
        self.verifier = verifier or Verifier(VerificationPolicy(), queue)
        self.config = cfg = config or RunnerConfig()
        self.usage = usage
        # passages retrieved up front (and per search): derived from the primary model's window
        self.retrieval_k = model.budget(cfg.retrieval_k).passages()[0]
        # every model gets the tools: those without native tool calling through constrained decoding
        # the CRM tools come wired by the app (policy, lead service, handoff); bare ones otherwise
        crm_set = list(crm_toolset) if crm_toolset is not None else crm_tools(crm)
        tools = [knowledge_tool(kb, k=self.retrieval_k), *crm_set, *extra_tools]
        gate = approval_gate(tools)  # risky tools wait for a reviewer; last, so it wraps the tool call itself
        layers = middleware_stack(company=cfg.company, crm=crm, model=model, history_cap=cfg.history_budget_tokens,
                                  pii=pii, policy=policy, audit=audit, usage=usage,
                                  garbage_retries=cfg.garbage_retries, max_tool_rounds=cfg.max_tool_rounds,
                                  max_passages=cfg.retrieval_k)
        self.agent = create_agent(model.chat, tools=tools, middleware=[*layers, *([gate] if gate else [])],
                                  context_schema=TurnContext, checkpointer=checkpointer)

    # -- the turn -------------------------------------------------------------------------------

    def _begin(self, inbound: Inbound) -> tuple[TurnContext, dict[str, Any]]:
        text = inbound.text.strip()
        convo = self.conversations.ensure(inbound.conversation_id, channel=inbound.channel, persona=inbound.persona,
                                          channel_user_id=inbound.channel_user_id)
        if (convo.persona, convo.channel) != (inbound.persona, inbound.channel):
            # the turn would run with the stored persona's tools, scope and documents (a customer in a rep's
            # thread gets rep tools): refused before anything is stored; channels keep their ids apart
            raise ConversationMismatch(f"conversation {convo.id!r} belongs to a {convo.persona} on {convo.channel}, "
                                       f"not to a {inbound.persona} on {inbound.channel}")
        # In a thread several people can write (a Slack Connect channel): the conversation's contact is the
        # one who started it, and anyone else speaks as themselves, never as that contact.
        own = not inbound.channel_user_id or convo.channel_user_id in (None, "", inbound.channel_user_id)
        contact_id = convo.contact_id if own else None
        if contact_id is None and inbound.persona == "customer" and inbound.channel_user_id:
            contact = self.crm.contact_by_channel(inbound.channel, inbound.channel_user_id)
            contact_id = contact["id"] if contact else None
        language = detect_language(text)
        self.conversations.add_message(convo.id, "rep" if inbound.persona == "rep" else "customer", text,
                                       channel_message_id=inbound.channel_message_id)
        stored = contact_id if own else convo.contact_id  # a second speaker leaves the conversation's contact as is
        if (convo.language, convo.contact_id) != (language, stored):
            self.conversations.update(convo.id, language=language, contact_id=stored)
        ctx = TurnContext(conversation_id=convo.id, persona=convo.persona, channel=convo.channel,
                          language=language, contact_id=contact_id, rep_id=convo.rep_id, inbound_text=text,
                          tools=None if inbound.tools is None else frozenset(inbound.tools))
        # Always retrieve first: small models rarely ask for it, and grounded answers need it.
        ctx.add_sources(self.kb.searcher(ctx.audience).search(text, k=self.retrieval_k))
        return ctx, {"messages": [HumanMessage(text)]}

    def _config(self, ctx: TurnContext) -> dict[str, Any]:
        return {"configurable": {"thread_id": ctx.conversation_id}, "recursion_limit": 12}

    def _consent_request(self, ctx: TurnContext, text: str) -> Reply | None:
        """Revocations and data-subject requests are carried out in code before the model sees the message."""
        handled = self.consent.intercept(text, conversation_id=ctx.conversation_id, contact_id=ctx.contact_id,
                                         persona=ctx.persona, channel=ctx.channel,
                                         language=ctx.language) if self.consent else None
        if handled is None:
            return None
        msg = self.conversations.add_message(ctx.conversation_id, "assistant", handled.text,
                                             meta={"consent_request": handled.kind, "reference": handled.reference})
        return Reply(ctx.conversation_id, msg.id, handled.text, "sent", [], [], handled.language)

    def _not_documented(self, ctx: TurnContext) -> Reply | None:
        """A customer's question about something no readable document mentions: the honest answer and a
        person, instead of a draft the model would invent (agent.grounding)."""
        if ctx.persona != "customer":
            return None
        terms = undocumented_terms(ctx.inbound_text, self.kb.searcher(ctx.audience).unknown_terms(ctx.inbound_text))
        if not terms:
            return None
        lang = "zh" if ctx.language == "zh" else "en"
        return self._handoff(ctx, lang, f"not in the documentation: {', '.join(terms)}",
                             text=NOT_DOCUMENTED[lang], rule="not_documented", asked=ctx.inbound_text)

    def handle(self, inbound: Inbound, *, wait_s: float | None = None) -> Reply:
        """One turn; waits up to `wait_s` for a turn of the same conversation in progress (anywhere), then
        ConversationBusy before anything is stored."""
        with self.turns.hold(inbound.conversation_id, wait_s):
            return self._handle(inbound)

    def _handle(self, inbound: Inbound) -> Reply:
        ctx, state_in = self._begin(inbound)
        if (done := self._consent_request(ctx, inbound.text.strip()) or self._not_documented(ctx)) is not None:
            return done
        try:
            state = self.agent.invoke(state_in, self._config(ctx), context=ctx, durability=DURABILITY)
            if state.get("__interrupt__"):
                return self._hold_tool_calls(ctx, state["__interrupt__"])
            draft = _final_text(state["messages"])
        except Exception as exc:
            return self._failed(ctx, exc)
        return self._finish(ctx, draft, state["messages"])

    def stream(self, inbound: Inbound, *, wait_s: float | None = None,
               lease: Lease | None = None) -> Iterator[dict[str, Any]]:
        """Yields {"type": "delta", "text"} per checked sentence, then {"type": "reply", ...}. Waits for the
        conversation's lease as `handle` does; a caller that must know before streaming (an HTTP status)
        takes it itself with `turns.hold` and passes it as `lease`."""
        if lease is not None:
            if lease.conversation_id != inbound.conversation_id:
                raise ValueError("the lease is for another conversation")
            yield from self._stream(inbound)
            return
        with self.turns.hold(inbound.conversation_id, wait_s):
            yield from self._stream(inbound)

    def _stream(self, inbound: Inbound) -> Iterator[dict[str, Any]]:
        ctx, state_in = self._begin(inbound)
        if (done := self._consent_request(ctx, inbound.text.strip()) or self._not_documented(ctx)) is not None:
            yield {"type": "reply", **_reply_json(done)}
            return
        evidence = "\n".join(h.text for h in ctx.sources)
        # rules that do not depend on the draft (complaint, new rep, breaker…) hold it before anything streams
        buffer, held = "", self.verifier.before_drafting(self._facts(ctx, "")).needs_review
        restorer = self.pii.stream_restorer(conversation_id=ctx.conversation_id, recipient=_recipient(ctx)) \
            if self.pii else None
        answers: dict[str, AnswerStream] = {}  # per streamed message of a constrained (JSON) model
        current: str | None = None
        shown, waiting = "", ""  # streamed already; checked sentences waiting for the reply so far to pass
        cited = False  # citing only grows with the text: once the reply so far cites a source, it stays cited

        def show(text: str) -> Iterator[dict[str, Any]]:
            nonlocal shown, waiting, cited
            waiting += text
            cited = cited or bool(attach_citations(shown + waiting, ctx.sources)[1])
            if self._prefix_passes(ctx, shown + waiting, evidence, cited):
                yield {"type": "delta", "text": waiting}
                shown, waiting = shown + waiting, ""
        try:
            for chunk, meta in self.agent.stream(state_in, self._config(ctx), context=ctx, stream_mode="messages",
                                                durability=DURABILITY):
                if meta.get("langgraph_node") != "model" or not isinstance(chunk, AIMessageChunk):
                    continue
                if chunk.tool_call_chunks:
                    buffer, waiting = "", ""
                    continue
                if chunk.id != current:  # a new model call (next step, retry, fallback): drop the unsent rest
                    current, buffer, waiting = chunk.id, "", ""
                piece = str(chunk.content)
                if ctx.json_mode or chunk.id in answers:  # the answer is the "text" of a JSON step
                    piece = answers.setdefault(chunk.id or "", AnswerStream()).feed(piece)
                buffer += piece
                *done, buffer = SENTENCE_END.split(buffer)
                for sentence in filter(None, done):
                    sentence = restorer.feed(sentence + " ") if restorer else sentence + " "
                    held = held or bool(restorer and restorer.blocked) or self._needs_review(sentence, evidence, ctx)
                    if not held:
                        yield from show(sentence)
            if restorer:
                buffer = restorer.feed(buffer) + restorer.flush()
                held = held or bool(restorer.blocked)
            if buffer.strip() and not (held or self._needs_review(buffer, evidence, ctx)):
                yield from show(buffer)
            snapshot = self.agent.get_state(self._config(ctx))
            if snapshot.interrupts:
                yield {"type": "reply", **_reply_json(self._hold_tool_calls(ctx, snapshot.interrupts))}
                return
            draft = _final_text(snapshot.values.get("messages", []))
        except Exception as exc:
            yield {"type": "reply", **_reply_json(self._failed(ctx, exc))}
            return
        reply = self._finish(ctx, draft, snapshot.values.get("messages", []))
        yield {"type": "reply", **_reply_json(reply)}

    def _needs_review(self, sentence: str, evidence: str, ctx: TurnContext) -> bool:
        """Checked per sentence while streaming: once one fails, nothing more is shown."""
        return self.verifier.sentence(sentence, evidence=evidence, persona=ctx.persona).needs_review or bool(
            self.consent and self.consent.reply_reasons(sentence, contact_id=ctx.contact_id, persona=ctx.persona))

    def _prefix_passes(self, ctx: TurnContext, text: str, evidence: str, cited: bool) -> bool:
        """The reply so far would pass the whole-reply rules (a source cited, the customer's language): only
        then is it shown. Until then it waits, and the final reply shows it or holds it, never both."""
        facts = DraftFacts(text, persona=ctx.persona, channel=ctx.channel, evidence=evidence, cited=cited,
                           customer_text=ctx.inbound_text)
        return not self.verifier.prefix(facts).needs_review

    def _facts(self, ctx: TurnContext, text: str, evidence: str = "", cited: bool = False,
               findings: list[str] | None = None, tools_called: tuple[str, ...] = ()) -> DraftFacts:
        """What the verification rules look at, from this turn and the stored conversation."""
        rep = self.crm.rep(ctx.rep_id) if ctx.rep_id else None
        earlier = self.conversations.transcript(ctx.conversation_id)
        first = not any(m.role == "assistant" and m.status == "sent" for m in earlier)
        # the customer's own details echoed back are neither claims nor findings: the rules see them masked
        text = self._mask_customer_values(text, earlier)
        return DraftFacts(text, persona=ctx.persona, channel=ctx.channel, evidence=evidence, cited=cited,
                          customer_text=ctx.inbound_text, first_contact=first,
                          rep_started_on=(rep or {}).get("started_on"), findings=list(findings or []),
                          pii=self._unexplained_pii(text, evidence, earlier), instructions=self._instructions(ctx),
                          tools_called=tools_called)

    def _instructions(self, ctx: TurnContext) -> str:
        """Our fixed instructions to the model (its template, empty slots): a reply reciting them is held."""
        return load_prompt(ctx.persona, ctx.language).render(company=self.config.company, sources="", rep_name="",
                                                             stage="", tools="")

    def _mask_customer_values(self, text: str, earlier: list[Any]) -> str:
        if self.pii is None or not text.strip():
            return text
        typed = "\n".join(m.text for m in earlier if m.role == "customer")
        for span in sorted(self.pii.scanner.scan(text), key=lambda sp: sp.start, reverse=True):
            if text[span.start:span.end] in typed:
                text = f"{text[:span.start]}<customer's {span.type.lower()}>{text[span.end:]}"
        return text

    def _unexplained_pii(self, text: str, evidence: str, earlier: list[Any]) -> list[str] | None:
        """Kinds of personal data in a draft that neither the sources nor this conversation's customer gave
        us (e.g. a number the model made up). A customer's own details coming back to them, and a support
        address from the docs, are not findings; someone else's restored value is the PII guard's finding.
        None without a detector: the rule then falls back to its own patterns."""
        if self.pii is None or not text.strip():
            return None
        typed = "\n".join(m.text for m in earlier if m.role == "customer")
        return [span.type for span in self.pii.scanner.scan(text)
                if (value := text[span.start:span.end]) not in evidence and value not in typed]

    def _finish(self, ctx: TurnContext, draft: str, messages: list[BaseMessage] | None = None) -> Reply:
        """`messages`: the graph's final messages when the caller has them (saves reading the checkpoint)."""
        lang = "zh" if ctx.language == "zh" else "en"
        if not draft.strip():
            return self._handoff(ctx, lang)
        foreign: list[str] = []
        if self.pii:  # the model wrote placeholders: put back only what this recipient may see
            draft, foreign = self.pii.restore_for(draft, conversation_id=ctx.conversation_id, recipient=_recipient(ctx))
        text, citations = attach_citations(draft, ctx.sources)
        cited = {c.chunk_id for c in citations}
        evidence = "\n".join(h.text for h in ctx.sources if h.chunk_id in cited or not cited)
        # another contact's details never reach a customer, whatever the model wrote: a person checks it
        withheld = self.consent.reply_reasons(text, contact_id=ctx.contact_id, persona=ctx.persona,
                                              conversation_id=ctx.conversation_id) if self.consent else []
        findings = ([other_person_pii(foreign)] if foreign else []) + withheld
        verdict = self.verifier.assess(self._facts(ctx, text, evidence, cited=bool(citations), findings=findings,
                                                   tools_called=_tools_called(messages or [])))
        if "handover_promise" in verdict.rules:
            # the draft tells the customer a person will take over (small models copy our FALLBACK/HOLDING text
            # from the history): make it true instead of sending a promise nobody keeps; the customer sees our
            # own handoff text, the queue item says why (with every other rule that fired)
            detail = "; ".join(r.removeprefix("handover_promise: ") for r in verdict.reasons)
            return self._handoff(ctx, lang, detail, rule="handover_promise", replaces=messages)
        cites = [c.as_dict() for c in citations]
        if verdict.needs_review:
            msg = self.conversations.add_message(ctx.conversation_id, "assistant", text, status="pending_review",
                                                 citations=cites, meta={"reasons": verdict.reasons})
            self.queue.enqueue(conversation_id=ctx.conversation_id, draft=text, reasons=verdict.reasons,
                               message_id=msg.id, contact_id=ctx.contact_id, channel=ctx.channel, citations=cites,
                               rules=verdict.rules, flow=flow_of(ctx.persona, ctx.channel), rep_id=ctx.rep_id,
                               language=lang)
            self._remember_visible(ctx, HOLDING[lang], messages)
            # the customer learns which kind of check holds it, never the details (they may name other people)
            shown = list(dict.fromkeys(verdict.rules + (["other_person_data"] if withheld else [])))
            return Reply(ctx.conversation_id, msg.id, HOLDING[lang], "pending_review", [], shown, lang)
        msg = self.conversations.add_message(ctx.conversation_id, "assistant", text, citations=cites)
        if text != draft:  # even for renumbered markers alone: the next turn's PII scan of the history then
            self._remember_visible(ctx, text, messages)  # meets the text scanned above (cached), not a new one
        return Reply(ctx.conversation_id, msg.id, text, "sent", cites, [], lang)

    def _failed(self, ctx: TurnContext, exc: Exception) -> Reply:
        """Every model of the chain failed or answered garbage: the safe reply, and a person takes over."""
        if isinstance(exc, ModelGarbage):
            log.warning("model returned garbage (%s) in conversation %s", exc.kind, ctx.conversation_id)
            detail = f"the model's output was unusable ({exc.kind})"
        else:
            log.exception("model call failed in conversation %s", ctx.conversation_id)
            detail = f"the model call failed ({type(exc).__name__})"
        return self._handoff(ctx, "zh" if ctx.language == "zh" else "en", detail)

    def _handoff(self, ctx: TurnContext, lang: str, detail: str = "no usable answer from the model",
                 text: str = "", rule: str = "model_unavailable", asked: str = "",
                 replaces: list[BaseMessage] | None = None) -> Reply:
        """`asked`: the customer's message when the model never ran, so the checkpoint has it too.
        `replaces`: the turn's messages when the model's last answer is not what the customer saw."""
        text = text or FALLBACK[lang]
        reasons = [f"{rule}: {detail}"]
        try:  # the checkpointed history says what the customer saw, so the next turn starts from it
            said = [HumanMessage(asked)] if asked else []
            last = replaces[-1] if replaces else None
            seen = AIMessage(content=text, id=last.id) if isinstance(last, AIMessage) and last.id else AIMessage(text)
            self.agent.update_state(self._config(ctx), {"messages": [*said, seen]})
        except Exception:
            log.exception("could not record the handoff reply in the checkpoint")
        msg = self.conversations.add_message(ctx.conversation_id, "assistant", text, meta={"reasons": reasons})
        self.hand_over(ctx.conversation_id, detail, rule=rule, message_id=msg.id, language=lang)
        return Reply(ctx.conversation_id, msg.id, text, "handoff", [], reasons, lang)

    def hand_over(self, conversation_id: str, reason: str, *, rule: str = "handoff_requested",
                  message_id: int | None = None, language: str | None = None) -> None:
        """A person takes over: the conversation is marked and a handoff item waits in the review queue
        (the agent's own fallback, and the `handoff_to_human` tool)."""
        convo = self.conversations.get(conversation_id)
        if convo is None:
            raise LookupError(f"no conversation {conversation_id!r}")
        self.conversations.update(conversation_id, status="handoff")
        self.queue.enqueue(conversation_id=conversation_id, draft="", kind="handoff", reasons=[f"{rule}: {reason}"],
                           rules=[rule], message_id=message_id, contact_id=convo.contact_id, channel=convo.channel,
                           flow=flow_of(convo.persona, convo.channel), rep_id=convo.rep_id,
                           language=language or convo.language or "en")

    # -- tool calls that wait for a reviewer ------------------------------------------------------

    def _hold_tool_calls(self, ctx: TurnContext, interrupts: Sequence[Interrupt],
                         known: frozenset[str] = frozenset()) -> Reply:
        """Each paused risky tool call becomes a queue item; the customer sees the holding reply."""
        lang = "zh" if ctx.language == "zh" else "en"
        fresh = [i for i in interrupts if i.id not in known]
        reasons = [f"approval: the agent wants to run {i.value.get('name')}" for i in fresh]
        if not fresh:
            return Reply(ctx.conversation_id, 0, HOLDING[lang], "pending_review", [], reasons, lang)
        msg = self.conversations.add_message(ctx.conversation_id, "assistant", "", status="pending_review",
                                             meta={"reasons": reasons, "awaiting": "tool_approval",
                                                   "interrupts": [i.id for i in fresh]})
        for intr in fresh:
            value = dict(intr.value) if isinstance(intr.value, dict) else {"value": intr.value}
            self.queue.enqueue(
                conversation_id=ctx.conversation_id, kind="tool_call", draft=str(value.get("description", "")),
                reasons=[f"approval: {value.get('name')} is marked risky"], rules=["risky_tool"], message_id=msg.id,
                contact_id=ctx.contact_id, channel=ctx.channel, flow=flow_of(ctx.persona, ctx.channel),
                rep_id=ctx.rep_id, language=lang,
                tool_call={"name": value.get("name"), "args": value.get("args", {}), "interrupt_id": intr.id,
                           "tool_call_id": value.get("tool_call_id"), "thread_id": ctx.conversation_id})
        return Reply(ctx.conversation_id, msg.id, HOLDING[lang], "pending_review", [], reasons, lang)

    def resume(self, conversation_id: str, interrupt_id: str, decision: dict[str, Any],
               message_id: int | None = None, *, wait_s: float | None = None) -> bool:
        """Continue a run paused on a tool call with the reviewer's decision. Works in any process: the paused
        run is in the checkpointer. False (and nothing done) when that interrupt was already answered.
        A turn of the conversation in progress: waits for it, then ConversationBusy (the outbox retries)."""
        with self.turns.hold(conversation_id, wait_s):
            return self._resume(conversation_id, interrupt_id, decision, message_id)

    def _resume(self, conversation_id: str, interrupt_id: str, decision: dict[str, Any],
                message_id: int | None) -> bool:
        config = {"configurable": {"thread_id": conversation_id}, "recursion_limit": 12}
        pending = {i.id for i in self.agent.get_state(config).interrupts}
        if interrupt_id not in pending:
            return False
        convo = self.conversations.get(conversation_id)
        if convo is None:
            raise LookupError(f"no conversation {conversation_id!r}")
        asked = next((m.text for m in reversed(self.conversations.messages(conversation_id))
                      if m.role in ("customer", "rep")), "")
        ctx = TurnContext(conversation_id=convo.id, persona=convo.persona, channel=convo.channel,
                          language=convo.language or detect_language(asked), contact_id=convo.contact_id,
                          rep_id=convo.rep_id, inbound_text=asked)
        ctx.add_sources(self.kb.searcher(ctx.audience).search(asked, k=self.retrieval_k))
        try:
            state = self.agent.invoke(Command(resume={interrupt_id: decision}), config, context=ctx, durability=DURABILITY)
        except Exception:
            log.exception("resuming conversation %s failed", conversation_id)
            raise
        if state.get("__interrupt__"):  # other calls of the same turn still wait for their own decisions
            self._hold_tool_calls(ctx, state["__interrupt__"], known=frozenset(pending))
            return True
        if message_id is not None:  # the turn's "please wait" placeholder gives way to the real answer
            held = self.conversations.get_message(message_id)
            if held is not None and held.status == "pending_review" and held.meta.get("awaiting") == "tool_approval":
                self.conversations.set_message(message_id, status="resolved")
        self._finish(ctx, _final_text(state["messages"]), state["messages"])
        return True

    def _remember_visible(self, ctx: TurnContext, text: str, messages: list[BaseMessage] | None = None) -> None:
        """Make the checkpointed history say what the customer actually saw, not the raw draft."""
        config = self._config(ctx)
        if messages is None:
            messages = self.agent.get_state(config).values.get("messages", [])
        if messages and isinstance(messages[-1], AIMessage) and messages[-1].id:
            self.agent.update_state(config, {"messages": [AIMessage(content=text, id=messages[-1].id)]})


def _recipient(ctx: TurnContext) -> Recipient:
    return Recipient(persona=ctx.persona, contact_id=ctx.contact_id, rep_id=ctx.rep_id)


def _tools_called(messages: list[BaseMessage]) -> tuple[str, ...]:
    """Tools that ran (without error) since the customer's last message."""
    names: list[str] = []
    for msg in reversed(messages):
        if isinstance(msg, HumanMessage):
            break
        if isinstance(msg, ToolMessage) and msg.name and msg.status != "error":
            names.append(msg.name)
    return tuple(reversed(names))


def _final_text(messages: list[BaseMessage]) -> str:
    for msg in reversed(messages):
        if isinstance(msg, AIMessage) and not msg.tool_calls:
            content = msg.content if isinstance(msg.content, str) else " ".join(
                p.get("text", "") for p in msg.content if isinstance(p, dict))
            return content.strip()
        if isinstance(msg, HumanMessage | SystemMessage):
            break
    return ""


def _reply_json(reply: Reply) -> dict[str, Any]:
    return {"conversation_id": reply.conversation_id, "message_id": reply.message_id, "text": reply.text,
            "status": reply.status, "citations": reply.citations, "reasons": reply.reasons,
            "language": reply.language}
