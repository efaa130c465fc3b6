"""What the conversation runner asks before and after the model.

Before: is the customer's message a revocation or a data-subject request? If so it is carried out in
code (ledger revocation, or a DSR that freezes the contact at once) and confirmed in the customer's
language; the model never sees it. After: does a reply meant for a customer carry another contact's
details? Then it is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from guardrails.audit import AuditLog
from guardrails.consent.disclosure import ContactDirectory
from guardrails.consent.ledger import ConsentLedger
from guardrails.consent.requests import ConsentRequest, classify

CONFIRM = {
    "stop_contact": {
        "en": "Understood. We will no longer contact you{on} for sales follow-ups or marketing. You can still write "
              "to us here whenever you like.",
        "zh": "好的，我们将不再{on}因销售跟进或营销信息联系您。您仍然可以随时在这里联系我们。",
    },
    "unsubscribe": {
        "en": "Done: you are unsubscribed from our marketing messages.",
        "zh": "已为您退订我们的营销信息。",
    },
    "withdraw_all": {
        "en": "Done: we have withdrawn every permission you gave us. We will not use your personal data or contact "
              "you any more. You can still ask general questions here.",
        "zh": "已为您撤回全部授权。我们将不再使用您的个人信息，也不会再联系您。您仍然可以在这里咨询一般问题。",
    },
    "erase": {
        "en": "We have received your request to delete your data (reference {ref}). Your data is locked now so "
              "nothing can use it, and it will be deleted within 24 hours; we will confirm when it is done.",
        "zh": "我们已收到您删除个人数据的请求（编号 {ref}）。您的数据已立即冻结，任何功能都无法再使用，"
              "并将在 24 小时内删除，完成后我们会向您确认。",
    },
    "export": {
        "en": "We have received your request for a copy of your data (reference {ref}). After a quick identity "
              "check, a colleague will send it to you within 72 hours.",
        "zh": "我们已收到您导出个人数据的请求（编号 {ref}）。核实身份后，我们的同事会在 72 小时内发送给您。",
    },
    "unknown_contact": {
        "en": "I can't link this chat to a customer record, so I can't act on that here. Please write to us from "
              "the email address we know you by, and a colleague will take care of it.",
        "zh": "我无法将本次对话与客户记录对应，因此无法在这里处理该请求。请使用您在我们这里登记的邮箱联系我们，"
              "我们的同事会为您处理。",
    },
}
ON_CHANNEL = {"en": {"phone": " by phone", "email": " by email", "sms": " by text message"},
              "zh": {"phone": "通过电话", "email": "通过邮件", "sms": "通过短信"}}


class DsrIntake(Protocol):
    def open(self, *, kind: str, contact_id: str, source: str, requested_by: str,
             conversation_id: str | None = None): ...  # noqa: ANN201 - returns a DsrView with `.id`


@dataclass(frozen=True)
class Handled:
    kind: str
    text: str  # the confirmation to send, in the customer's language
    language: str
    reference: str = ""  # DSR id, when one was opened


class ConsentDesk:
    def __init__(self, ledger: ConsentLedger, dsr: DsrIntake, *, audit: AuditLog | None = None,
                 directory: ContactDirectory | None = None):
        self.ledger = ledger
        self.dsr = dsr
        self.audit = audit
        self.directory = directory

    def intercept(self, text: str, *, conversation_id: str, contact_id: str | None, persona: str, channel: str,
                  language: str) -> Handled | None:
        """Carry out a consent or data-subject request found in a customer's message, or None."""
        if persona != "customer":
            return None
        request = classify(text)
        if request is None:
            return None
        lang = request.language if request.language in ("en", "zh") else ("zh" if language == "zh" else "en")
        if contact_id is None:
            self._audit("consent.request_unmatched", None, request, conversation_id, channel)
            return Handled(request.kind, CONFIRM["unknown_contact"][lang], lang)
        actor = f"customer:{contact_id}"
        if request.kind in ("erase", "export"):
            try:
                view = self.dsr.open(kind=request.kind, contact_id=contact_id, source=f"{channel}_chat",
                                     requested_by=actor, conversation_id=conversation_id)
            except ValueError:  # e.g. already erased: nothing of theirs is left to act on
                self._audit("consent.request_unmatched", contact_id, request, conversation_id, channel)
                return Handled(request.kind, CONFIRM["unknown_contact"][lang], lang)
            return Handled(request.kind, CONFIRM[request.kind][lang].replace("{ref}", view.id), lang, view.id)
        for purpose in request.purposes:
            self.ledger.revoke(contact_id, purpose, list(request.channels) or None, by=actor,
                               reason=f"asked in conversation ({request.rule})", source=f"{channel}_chat")
        self._audit("consent.request", contact_id, request, conversation_id, channel)
        on = ON_CHANNEL[lang].get(request.channels[0], "") if request.channels else ""
        return Handled(request.kind, CONFIRM[request.kind][lang].replace("{on}", on), lang)

    def reply_reasons(self, text: str, *, contact_id: str | None, persona: str,
                      conversation_id: str | None = None) -> list[str]:
        """Reasons to withhold a reply to a customer: another contact's details in it. Audited when
        `conversation_id` is given (the final check of a turn)."""
        if persona != "customer" or self.directory is None or not text:
            return []
        foreign = self.directory.foreign(text, contact_id)
        reasons = [f"other_person_data: {f.field} of contact {f.contact_id}" for f in foreign]
        if reasons and conversation_id is not None and self.audit is not None:
            self.audit.append(actor="agent", action="reply.withheld", subject=f"conversation:{conversation_id}",
                              purpose="service", detail={"reasons": reasons, "customer": contact_id})
        return reasons

    def _audit(self, action: str, contact_id: str | None, request: ConsentRequest, conversation_id: str,
               channel: str) -> None:
        if self.audit is not None:
            self.audit.append(actor=f"customer:{contact_id}" if contact_id else "visitor", action=action,
                              subject=f"contact:{contact_id}" if contact_id else f"conversation:{conversation_id}",
                              detail={"kind": request.kind, "rule": request.rule, "channel": channel,
                                      "purposes": list(request.purposes), "channels": list(request.channels),
                                      "conversation": conversation_id})
