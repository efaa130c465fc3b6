"""Routing as properties: every lead ends with exactly one eligible rep or an explicit reason (and then
truly nobody was eligible); capacity and working hours always hold; equal reps stay within one lead of
each other. The eligibility oracle here is written independently of tools/leads/routing.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.leads.routing import LeadFacts, RepFacts, RoutingRules, route

REGIONS = ["NA", "EU", "CN", "APAC"]
LANGS = ["en", "zh", "de"]
LINES = ["analytics", "ai", "connectors"]
ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin"]
RULES = RoutingRules(large_deal=50_000, senior_days=180)


def subset(items: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(items), min_size=1, max_size=len(items), unique=True).map(tuple)


@st.composite
def reps(draw: st.DrawFn) -> list[RepFacts]:
    out = []
    for i in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, 12))
        out.append(RepFacts(id=f"r{i}", languages=draw(subset(LANGS)), territories=draw(subset(REGIONS)),
                            product_lines=draw(subset(LINES)), capacity=draw(st.integers(0, 6)),
                            timezone=draw(st.sampled_from(ZONES)), work_start_hour=start,
                            work_end_hour=draw(st.integers(start + 1, 24)),
                            started_on=draw(st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2026, 11, 20)))),
                            active=draw(st.booleans() | st.just(True))))
    return out


leads = st.builds(LeadFacts, id=st.uuids().map(str), region=st.sampled_from(["", *REGIONS]),
                  language=st.sampled_from(["", *LANGS]), product_line=st.sampled_from(["", *LINES]),
                  value=st.sampled_from([0.0, 5_000.0, 49_999.0, 50_000.0, 250_000.0]),
                  owner_rep_id=st.sampled_from([None, "r0", "r3"]))
moments = st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1)).map(lambda d: d.replace(second=0, microsecond=0))


def eligible(rep: RepFacts, lead: LeadFacts, load: int, now: datetime, exclude: set[str]) -> bool:
    local = now.replace(tzinfo=UTC).astimezone(ZoneInfo(rep.timezone))
    senior = rep.started_on is None or (now.date() - rep.started_on) >= timedelta(days=RULES.senior_days)
    return (rep.active and rep.id not in exclude
            and (not lead.region or lead.region in rep.territories)
            and (not lead.language or lead.language in rep.languages)
            and (not lead.product_line or lead.product_line in rep.product_lines)
            and (lead.value < RULES.large_deal or senior)
            and load < rep.capacity
            and local.weekday() < 5 and rep.work_start_hour <= local.hour < rep.work_end_hour)


@settings(max_examples=300, deadline=None)
@given(reps(), st.lists(leads, min_size=1, max_size=25), moments, st.lists(st.sampled_from(["r0", "r1", "r2"]),
                                                                             max_size=2))
def test_every_lead_gets_exactly_one_eligible_rep_or_a_reason(team, batch, now, declined):
    loads: dict[str, int] = {}
    rotation: dict[str, tuple[int, datetime | None]] = {}
    for i, lead in enumerate(batch):
        at = now + timedelta(minutes=7 * i)
        decision = route(lead, team, loads=loads, rotation=rotation, now=at, exclude=declined, rules=RULES)
        could = [r.id for r in team if eligible(r, lead, loads.get(r.id, 0), at, set(declined))]
        if decision.rep_id is None:
            assert decision.reason.strip(), "an unassigned lead must say why"
            assert could == [], f"{could} were eligible but the lead was left unassigned: {decision.reason}"
        else:
            assert decision.rep_id in could, f"{decision.rep_id} is not eligible ({decision.reason})"
            assert decision.reason.strip()
            if lead.owner_rep_id in could:
                assert decision.rep_id == lead.owner_rep_id, "an eligible account owner keeps the account"
            loads[decision.rep_id] = loads.get(decision.rep_id, 0) + 1
            count, _ = rotation.get(decision.rep_id, (0, None))
            rotation[decision.rep_id] = (count + 1, at)
    for rep in team:
        assert loads.get(rep.id, 0) <= rep.capacity


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 5), st.integers(1, 40), subset(REGIONS), subset(LANGS), st.integers(0, 3))
def test_equal_reps_stay_within_one_lead_of_each_other(n_equal, n_leads, regions, langs, n_other):
    equal = [RepFacts(id=f"eq{i}", languages=langs, territories=regions, product_lines=tuple(LINES), capacity=1000,
                      work_start_hour=0, work_end_hour=24) for i in range(n_equal)]
    others = [RepFacts(id=f"ot{i}", languages=("en",), territories=("NA",), product_lines=("ai",), capacity=1000,
                       work_start_hour=0, work_end_hour=24) for i in range(n_other)]
    loads: dict[str, int] = {}
    rotation: dict[str, tuple[int, datetime | None]] = {}
    now = datetime(2026, 11, 24, 12, 0)  # a Tuesday
    for i in range(n_leads):
        lead = LeadFacts(id=f"l{i}", region=regions[i % len(regions)], language=langs[i % len(langs)],
                         product_line=LINES[i % 3])
        decision = route(lead, [*others, *equal], loads=loads, rotation=rotation, now=now + timedelta(minutes=i))
        assert decision.rep_id is not None
        loads[decision.rep_id] = loads.get(decision.rep_id, 0) + 1
        rotation[decision.rep_id] = (rotation.get(decision.rep_id, (0, None))[0] + 1, now + timedelta(minutes=i))
    counts = [loads.get(r.id, 0) for r in equal]
    assert max(counts) - min(counts) <= 1, counts


def test_reasons_name_what_was_missing():
    rep = RepFacts(id="a", languages=("en",), territories=("NA",), product_lines=("analytics",), capacity=1,
                   timezone="America/New_York", started_on=date(2026, 11, 1))
    tuesday_10am_ny = datetime(2026, 11, 24, 15, 0)
    saturday = datetime(2026, 11, 28, 15, 0)

    def why(lead: LeadFacts, now: datetime = tuesday_10am_ny, loads: dict[str, int] | None = None) -> str:
        d = route(lead, [rep], loads=loads or {}, rotation={}, now=now)
        assert d.rep_id is None
        return d.reason

    assert "region CN" in why(LeadFacts("x", region="CN"))
    assert "language (zh)" in why(LeadFacts("x", region="NA", language="zh"))
    assert "sells ai" in why(LeadFacts("x", product_line="ai"))
    assert "tenure" in why(LeadFacts("x", value=80_000))
    assert "capacity" in why(LeadFacts("x"), loads={"a": 1})
    assert "working hours" in why(LeadFacts("x"), now=saturday)
    assert "declined" in route(LeadFacts("x"), [rep], loads={}, rotation={}, now=tuesday_10am_ny,
                               exclude=["a"]).reason
    assert route(LeadFacts("x", region="NA", language="en"), [rep], loads={}, rotation={},
                 now=tuesday_10am_ny).rep_id == "a"
