"""Does a reply to a customer carry another contact's details from the CRM?

A policy-level check in code (the PII guardrails look at every kind of PII; this one knows whose it
is): any email, phone number, WeChat or channel id, or full name of a CRM contact other than the
customer in the conversation refuses the reply. Lookups are by index, not by scanning every contact.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from tools.crm.models import Contact

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE = re.compile(r"\+?\d[\d\s\-().\u00a0]{5,}\d")
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,40}")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.U)
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
PHONE_KEY = 7  # phones are indexed by their last 7 digits, then compared on the whole national number


def phone_digits(value: str) -> str:
    """The national number of an international number ("+86 138 …" → "138…"), else all its digits."""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return ""
    if not value.strip().startswith("+"):
        return digits
    try:
        import phonenumbers

        national = str(phonenumbers.parse(value, None).national_number)
        return national if len(national) >= 7 else digits
    except Exception:  # not a parseable international number: compare digits
        return digits


@dataclass(frozen=True)
class Found:
    contact_id: str
    field: str  # email | phone | wechat_id | channel_id | name


class ContactDirectory:
    """Identifying values of every CRM contact, indexed; rebuilt when older than `max_age_s`."""

    def __init__(self, engine: Engine, *, max_age_s: float = 10.0):
        self._sessions = sessionmaker(engine)
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._built = 0.0
        self._exact: dict[str, set[tuple[str, str]]] = {}
        self._phones: dict[str, set[tuple[str, str]]] = {}

    def refresh(self) -> None:
        exact: dict[str, set[tuple[str, str]]] = defaultdict(set)
        phones: dict[str, set[tuple[str, str]]] = defaultdict(set)
        with self._sessions() as s:
            rows = s.execute(select(Contact.id, Contact.name, Contact.email, Contact.phone, Contact.wechat_id,
                                    Contact.web_visitor_id, Contact.slack_user_id, Contact.wecom_external_userid)
                             .where(Contact.erased_at.is_(None))).all()
        for cid, name, email, phone, wechat, *channel_ids in rows:
            if email:
                exact[email.lower()].add((cid, "email"))
            if wechat and len(wechat) >= 6:
                exact[wechat.lower()].add((cid, "wechat_id"))
            for value in channel_ids:
                if value and len(value) >= 6:
                    exact[value.lower()].add((cid, "channel_id"))
            if name and (len(name.split()) >= 2 or (CJK_RUN.fullmatch(name) and len(name) >= 2)):
                exact[" ".join(name.lower().split())].add((cid, "name"))
            digits = phone_digits(phone or "")
            if digits:
                phones[digits[-PHONE_KEY:]].add((digits, cid))
        with self._lock:
            self._exact, self._phones, self._built = dict(exact), dict(phones), time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._built > self.max_age_s:
            self.refresh()

    def find(self, text: str) -> set[Found]:
        """Every contact whose identifying value appears in `text`."""
        self._fresh()
        exact, phones = self._exact, self._phones
        found: set[Found] = set()
        candidates = {m.group(0).lower() for m in EMAIL.finditer(text)}
        candidates |= {m.group(0).lower() for m in TOKEN.finditer(text)}
        words = [w.lower() for w in WORD.findall(text)]
        for n in (2, 3, 4):
            candidates |= {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}
        for run in CJK_RUN.findall(text):
            candidates |= {run[i:i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1)}
        for value in candidates:
            for cid, field in exact.get(value, ()):
                found.add(Found(cid, field))
        for m in PHONE.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            for whole, cid in phones.get(digits[-PHONE_KEY:], ()):
                if digits.endswith(whole) or whole.endswith(digits) and len(digits) >= 8:
                    found.add(Found(cid, "phone"))
        return found

    def foreign(self, text: str, own_contact_id: str | None) -> list[Found]:
        """What in `text` identifies a contact other than `own_contact_id`."""
        return sorted((f for f in self.find(text) if f.contact_id != own_contact_id),
                      key=lambda f: (f.contact_id, f.field))
