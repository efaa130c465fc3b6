"""One object the agent layer uses: pseudonymise what goes to the model, restore what goes to a person.

Built once by the composition root. Results are memoised per (conversation, source, text): the agent
re-sends the whole history on every model call, and a message already seen costs a dict lookup.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from guardrails.pii.engine import PiiScanner
from guardrails.pii.ownership import CrmOwnership, Recipient
from guardrails.pii.pseudonymise import StreamRestorer, pseudonymise, restore
from guardrails.pii.vault import Vault

MEMO_SIZE = 4096


class PiiGuard:
    def __init__(self, *, scanner: Callable[[], PiiScanner], vault: Vault, ownership: CrmOwnership):
        self._scanner = scanner
        self.vault = vault
        self.ownership = ownership
        self._memo: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def scanner(self) -> PiiScanner:
        return self._scanner()

    def pseudonymise(self, text: str, *, conversation_id: str, source: str, default_owner: str = "unknown") -> str:
        """`source`: customer | rep (the speaker typed it), tool (resolve owner in the CRM), or an owner
        string such as source:public for text whose values all belong to one party."""
        if not text or not text.strip():
            return text
        key = (conversation_id, source, text)
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        typed_by = source if source in ("customer", "rep") else ""

        def owner(value: str, kind: str) -> str:
            if source.startswith("source:"):
                return source
            found = self.ownership.owner_of(value, kind)
            return found if found != "unknown" else default_owner

        # documents (sources, our prompt) are scanned line by line: their lines recur across turns' excerpts
        result = pseudonymise(text, scanner=self.scanner, vault=self.vault, conversation_id=conversation_id,
                              owner=owner, typed_by=typed_by, by_line=source.startswith("source:"))
        with self._lock:
            self._memo[key] = result
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return result

    def restore_for(self, text: str, *, conversation_id: str, recipient: Recipient) -> tuple[str, list[str]]:
        """(text restored with what the recipient may see, placeholders of values they may not)."""
        return restore(text, self.vault.entries(conversation_id), lambda e: self.ownership.may_see(e, recipient))

    def restore_all(self, text: str, *, conversation_id: str) -> str:
        """For tool arguments: tools enforce their own access rules below the model."""
        return restore(text, self.vault.entries(conversation_id))[0]

    def stream_restorer(self, *, conversation_id: str, recipient: Recipient) -> StreamRestorer:
        return StreamRestorer(lambda: self.vault.entries(conversation_id), lambda e: self.ownership.may_see(e, recipient))

    # -- erasure hooks for data-subject requests ---------------------------------------------------
    def erase_contact(self, contact_id: str) -> int:
        n = self.vault.erase_contact(contact_id)
        self._clear_memo()
        return n

    def erase_conversation(self, conversation_id: str) -> int:
        n = self.vault.erase_conversation(conversation_id)
        self._clear_memo()
        return n

    def _clear_memo(self) -> None:
        with self._lock:
            self._memo.clear()
