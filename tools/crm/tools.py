"""The agent's CRM tools. Each declares the purpose and data categories it needs (for the consent
policy) and reads who is asking from the injected runtime context, never from model arguments."""

from __future__ import annotations

import json
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, tool

from tools.crm.store import CrmStore

CUSTOMER_FIELDS = ("name", "title", "language", "region")
ACCOUNT_FIELDS = ("name", "industry", "region", "country", "employees", "tier")


def _pick(row: dict[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any] | None:
    return {k: row[k] for k in fields if k in row} if row else None


def crm_tools(store: CrmStore) -> list[BaseTool]:
    @tool("lookup_customer")
    def lookup_customer(runtime: ToolRuntime, account_name: str = "") -> str:
        """Look up the customer in this conversation (customers), or an account by name (reps)."""
        ctx = runtime.context
        if ctx.persona == "customer":
            # A customer can only ever see their own record, whatever the model asks for.
            view = store.customer_360(ctx.contact_id) if ctx.contact_id else None
            if view is None:
                return json.dumps({"found": False, "reason": "this visitor is not a known customer"})
            return json.dumps({"found": True, "contact": _pick(view.contact, CUSTOMER_FIELDS),
                               "account": _pick(view.account, ACCOUNT_FIELDS),
                               "products": sorted({d["edition"] for d in view.deals if d["stage"] == "won"})},
                              ensure_ascii=False, default=str)
        accounts = store.search_accounts(account_name, limit=5) if account_name.strip() else []
        return json.dumps({"accounts": [_pick(a, ACCOUNT_FIELDS) for a in accounts]}, ensure_ascii=False)

    lookup_customer.metadata = {"purpose": "service", "data_categories": ["contact_details", "company_profile",
                                                                          "purchase_history"]}
    return [lookup_customer]
