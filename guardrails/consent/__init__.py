"""Consent by purpose × data category × channel: the ledger, the policy decision point (with ABAC),
notices and offers, conversation requests, and the check that replies carry no one else's data."""

from guardrails.consent.desk import ConsentDesk, Handled
from guardrails.consent.disclosure import ContactDirectory
from guardrails.consent.hooks import Hooks
from guardrails.consent.ledger import ConsentError, ConsentLedger, Grant
from guardrails.consent.offers import ConsentOffers, Offer, OfferError
from guardrails.consent.policy import ConsentPolicy, actor_label, trace_decisions
from guardrails.consent.requests import ConsentRequest, classify
from guardrails.consent.scope import SqlScopes

__all__ = ["ConsentDesk", "ConsentError", "ConsentLedger", "ConsentOffers", "ConsentPolicy", "ConsentRequest",
           "ContactDirectory", "Grant", "Handled", "Hooks", "Offer", "OfferError", "SqlScopes", "actor_label",
           "classify", "trace_decisions"]
