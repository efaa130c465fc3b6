"""Lead routing as a pure function: the lead, the reps, their loads and turns, and the time in; exactly
one rep, or no rep and the reason, out.

Hard rules, in order (the first that leaves nobody is the reason given): active; covers the lead's
region; speaks its language; sells its product line; senior enough for a large deal; has not already
passed on this lead; below capacity; inside working hours in their own time zone. Among the reps left, the account's owner keeps the account; otherwise the rep
offered the fewest leads goes next (then the one who waited longest), which keeps equal reps within
one lead of each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class RepFacts:
    id: str
    name: str = ""
    languages: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    capacity: int = 20
    timezone: str = "UTC"
    work_start_hour: int = 9
    work_end_hour: int = 18
    started_on: date | None = None
    active: bool = True

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> RepFacts:
        return cls(id=row["id"], name=row.get("name") or "", languages=tuple(row.get("languages") or ()),
                   territories=tuple(row.get("territories") or ()), product_lines=tuple(row.get("product_lines") or ()),
                   capacity=int(row.get("capacity") or 0), timezone=row.get("timezone") or "UTC",
                   work_start_hour=int(row.get("work_start_hour") or 0),
                   work_end_hour=int(row.get("work_end_hour") if row.get("work_end_hour") is not None else 24),
                   started_on=row.get("started_on"), active=bool(row.get("active", True)))


@dataclass(frozen=True)
class LeadFacts:
    id: str
    region: str = ""  # empty: any territory
    language: str = ""  # empty: any language
    product_line: str = ""  # empty: any product line
    value: float = 0.0
    owner_rep_id: str | None = None  # the account's owner, who keeps the account when eligible


@dataclass(frozen=True)
class RoutingRules:
    large_deal: float = 50_000.0  # at or above this, only reps with `senior_days` of tenure
    senior_days: int = 180
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0


@dataclass(frozen=True)
class RouteDecision:
    rep_id: str | None
    reason: str  # why this rep, or why nobody

    @property
    def assigned(self) -> bool:
        return self.rep_id is not None


def local_time(rep: RepFacts, now: datetime) -> datetime:
    try:
        zone = ZoneInfo(rep.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")  # a misconfigured zone is read as UTC rather than blocking routing
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def in_working_hours(rep: RepFacts, now: datetime, workdays: Sequence[int]) -> bool:
    local = local_time(rep, now)
    return local.weekday() in workdays and rep.work_start_hour <= local.hour < rep.work_end_hour


def _senior(rep: RepFacts, today: date, days: int) -> bool:
    return rep.started_on is None or (today - rep.started_on).days >= days


def route(lead: LeadFacts, reps: Iterable[RepFacts], *, loads: Mapping[str, int],
          rotation: Mapping[str, tuple[int, datetime | None]], now: datetime, exclude: Iterable[str] = (),
          rules: RoutingRules = RoutingRules()) -> RouteDecision:
    excluded = set(exclude)
    pool = [r for r in reps if r.active]
    if not pool:
        return RouteDecision(None, "there are no active reps")
    today = (now if now.tzinfo else now.replace(tzinfo=UTC)).date()
    big = lead.value >= rules.large_deal
    steps: list[tuple[Callable[[RepFacts], bool], str]] = [
        (lambda r: not lead.region or lead.region in r.territories, f"no rep covers region {lead.region}"),
        (lambda r: not lead.language or lead.language in r.languages,
         f"no rep for this region speaks the lead's language ({lead.language})"),
        (lambda r: not lead.product_line or lead.product_line in r.product_lines,
         f"no rep for this region and language sells {lead.product_line}"),
        (lambda r: not big or _senior(r, today, rules.senior_days),
         f"a deal of {lead.value:,.0f} needs a rep with {rules.senior_days} days' tenure; none matches"),
        (lambda r: r.id not in excluded, "every rep who could take this lead has declined it or let it lapse"),
        (lambda r: loads.get(r.id, 0) < r.capacity, "every matching rep is at capacity"),
        (lambda r: in_working_hours(r, now, rules.workdays), "no matching rep is in working hours now"),
    ]
    for keep, why_not in steps:
        pool = [r for r in pool if keep(r)]
        if not pool:
            return RouteDecision(None, why_not)
    facts = ", ".join(x for x in (lead.region and f"covers {lead.region}",
                                  lead.language and f"speaks {lead.language}",
                                  lead.product_line and f"sells {lead.product_line}") if x)
    owner = next((r for r in pool if r.id == lead.owner_rep_id), None)
    if owner is not None:
        return RouteDecision(owner.id, f"owns the account; {facts or 'matches'}, has capacity and is working now")
    never = datetime.min

    def turn(r: RepFacts) -> tuple[int, datetime, str]:
        offered, last = rotation.get(r.id, (0, None))
        return offered, last or never, r.id

    pick = min(pool, key=turn)
    others = len(pool) - 1
    return RouteDecision(pick.id, f"{facts or 'matches the lead'}, has capacity and is working now; "
                                  f"next in turn among {others + 1} matching reps" if others else
                         f"{facts or 'matches the lead'}, has capacity and is working now; the only matching rep")
