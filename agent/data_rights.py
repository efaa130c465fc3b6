"""The agent's part of data-subject requests: which conversations are a contact's, and their export
and erasure (messages and conversation rows; checkpoints are erased through the checkpointer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, delete, or_, select
from sqlalchemy.orm import sessionmaker

from agent.conversations import Conversation, Message
from guardrails.dsr import Erased, Eraser, Exporter, Subject
from guardrails.dsr.erasers import digest_of
from tools.crm.store import as_dict


def conversations_of(engine: Engine) -> Callable[[str, dict[str, str]], Sequence[str]]:
    """A contact's conversations: linked by contact id, or opened from one of their channel ids before
    we knew who they were."""
    sessions = sessionmaker(engine)

    def find(contact_id: str, channel_ids: dict[str, str]) -> list[str]:
        conds = [Conversation.contact_id == contact_id]
        conds += [(Conversation.channel == ch) & (Conversation.channel_user_id == uid)
                  for ch, uid in channel_ids.items() if uid]
        with sessions() as s:
            return list(s.scalars(select(Conversation.id).where(or_(*conds)).order_by(Conversation.created_at)))

    return find


def conversation_exporter(engine: Engine) -> Exporter:
    sessions = sessionmaker(engine)

    def export(subject: Subject) -> list[dict[str, Any]]:
        out = []
        with sessions() as s:
            for cid in subject.conversation_ids:
                convo = s.get(Conversation, cid)
                if convo is None:
                    continue
                msgs = s.scalars(select(Message).where(Message.conversation_id == cid).order_by(Message.id))
                out.append({**as_dict(convo), "messages": [as_dict(m) for m in msgs]})
        return out

    return Exporter("messages", export)


def conversation_eraser(engine: Engine) -> Eraser:
    sessions = sessionmaker(engine)

    def erase(subject: Subject) -> Erased:
        ids = list(subject.conversation_ids)
        if not ids:
            return Erased("messages", 0, digest_of([]))
        with sessions() as s:
            msgs = [as_dict(m) for m in s.scalars(select(Message).where(Message.conversation_id.in_(ids)))]
            convos = [as_dict(c) for c in s.scalars(select(Conversation).where(Conversation.id.in_(ids)))]
            s.execute(delete(Message).where(Message.conversation_id.in_(ids)))
            s.execute(delete(Conversation).where(Conversation.id.in_(ids)))
            s.commit()
        return Erased("messages", len(msgs) + len(convos), digest_of([convos, msgs]),
                      {"conversations": len(convos), "messages": len(msgs)})

    return Eraser("messages", erase)
