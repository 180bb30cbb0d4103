"""The team draw ranked ahead in worker processes (issue 29, point 5) forms the very teams the
draw in one process forms: on random draws with workload caps, conflicts, joint plans, county
staff and experts, through an in-process pool (rankings as stale as a chunk can make them) and
through real worker processes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
from collections.abc import Iterator
from decimal import Decimal

import pytest

from server_stub.draws import sampling
from server_stub.draws.sampling import Staffing, TeamDraw, draw_teams
from server_stub.draws.ticket_workers import Chunk, Entry, Ranked, TicketWorkers, rank_chunk
from server_stub.draws.tickets import ticket_hasher, ticket_order
from sync import (
    Department,
    DepartmentLevel,
    InspectionItem,
    InspectionMethod,
    Inspector,
    Plan,
    PlanLevel,
    RiskGrade,
    StaffKind,
    make_credit_code,
)

CITY_MARKET, CITY_HEALTH = "市市场监管局", "市卫生健康委"
REGIONS = ("甲区", "乙县")
DEPARTMENTS = {
    d.name: d
    for d in (
        Department(CITY_MARKET, DepartmentLevel.CITY, "某市"),
        Department(CITY_HEALTH, DepartmentLevel.CITY, "某市"),
        *(Department(f"{r}{city[1:]}", DepartmentLevel.COUNTY, r, city)
          for r in REGIONS for city in (CITY_MARKET, CITY_HEALTH)),
    )
}


class InlinePool:
    """Ranks a chunk in this process only when its result is asked for, from the roster it was
    sent with: as stale as the draw lets a chunk be, without processes to start."""

    processes = 2

    def __init__(self) -> None:
        self.chunks: list[Chunk] = []

    def submit(self, chunk: Chunk) -> int:
        self.chunks.append(chunk)
        return len(self.chunks) - 1

    def result(self, handle: int) -> list[Ranked | None]:
        return rank_chunk(self.chunks[handle])


class GappedPool(InlinePool):
    """Rankings that hold, beyond their head, some more of the inspectors than the first of each
    department (which :class:`Ranked` allows): those past the head are in ticket order but with
    gaps, and the draw must not take them for the first of the rest."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def result(self, handle: int) -> list[Ranked | None]:
        chunk = self.chunks[handle]
        department_of = {i: d for d, ids in chunk.available.items() for i in ids}
        gapped: list[Ranked | None] = []
        for entry, ranked in zip(chunk.entries, rank_chunk(chunk), strict=True):
            if ranked is None:
                gapped.append(None)
                continue
            eligible = [i for d in entry.units for i in chunk.available[d]
                        if i not in entry.conflicted]
            full = ticket_order(ticket_hasher(chunk.seed + entry.code), eligible)
            firsts = {next(i for i in full if department_of[i] == d) for d in entry.units}
            rest = [i for i in full[ranked.head:] if i in firsts or self.rng.random() < 0.3]
            gapped.append(Ranked(full[:ranked.head] + rest, ranked.head))
        return gapped


Scenario = tuple[Plan, str, list[str], list[Inspector], list[InspectionItem], Staffing]


def scenario(rng: random.Random, entities: int, officers: int) -> Scenario:
    """A random draw: one or two departments, any level, items that may need a qualification
    or an expert's specialty, staff who may be off duty, unqualified or in conflict with some
    entities, entities in a county or in a region without one, and a workload cap or none."""
    departments = tuple(rng.sample((CITY_MARKET, CITY_HEALTH), rng.randint(1, 2)))
    level = rng.choice((None, PlanLevel.CITY_DRAWS_COUNTY, PlanLevel.CITY_AND_COUNTY))
    catalogue = [
        InspectionItem(code=f"X-{n}", category="食品安全", name=f"事项{n}", basis="依据",
                       method=InspectionMethod.ON_SITE, department=d, checkpoints=("内容",),
                       qualification=rng.choice(("", "", "食品检查")),
                       specialty=rng.choice(("", "", "", "电梯检验")))
        for n, d in enumerate(departments)
    ]
    codes = [make_credit_code("9", "1", "370602", f"{n:08d}") for n in range(entities)]
    regions = {c: rng.choice((*REGIONS, *REGIONS, "丙区")) for c in codes}
    names = list(DEPARTMENTS)
    staff = [
        Inspector(id=f"I{n:04d}", name=f"人员{n}", department=rng.choice(names), badge_no=f"37{n}",
                  qualifications=("食品检查",) if rng.random() < 0.8 else (),
                  active=rng.random() < 0.95,
                  conflicts=tuple(rng.sample(codes, 2)) if rng.random() < 0.2 else ())
        for n in range(officers)
    ] + [
        Inspector(id=f"E{n:02d}", name=f"专家{n}", department=rng.choice(names), badge_no="",
                  qualifications=("电梯检验",), kind=StaffKind.EXPERT,
                  conflicts=tuple(rng.sample(codes, 1)))
        for n in range(rng.randint(0, 6))
    ]
    units = len(departments) * (2 if level is PlanLevel.CITY_AND_COUNTY else 1)
    plan = Plan(id="R2026-01", name="随机抽查", departments=departments,
                items=tuple(i.code for i in catalogue), ratios={RiskGrade.A: Decimal(1)},
                team_size=rng.randint(max(2, units), units + 2),
                workload_cap=rng.choice((None, 1, 2, 3, 6)), level=level,
                window_start=dt.date(2026, 3, 1), window_end=dt.date(2026, 6, 30))
    seed = f"随机种子-{rng.getrandbits(32)}"
    return plan, seed, codes, staff, catalogue, Staffing(level, DEPARTMENTS, regions)


@pytest.fixture(params=[(3, 0), (3, 16), (32, 0)], ids=["chunk3-depth0", "chunk3", "depth0"])
def ahead(request: pytest.FixtureRequest) -> Iterator[None]:
    """Chunks of three entities, so a small draw still sends many ahead of the draw, or of 32
    (a whole small draw, ranked before its first team); rankings as deep as in production, or
    only the team size deep, so that every department's first and every inspector at the cap
    in a ranking's head is put to the test."""
    chunk, margin = sampling.CHUNK, sampling.DEPTH_MARGIN
    sampling.CHUNK, sampling.DEPTH_MARGIN = request.param
    yield
    sampling.CHUNK, sampling.DEPTH_MARGIN = chunk, margin


def serial(case: Scenario) -> TeamDraw:
    return draw_teams(*case)  # far below PARALLEL_TICKETS: drawn in this process


@pytest.mark.parametrize("number", range(40))
def test_ranked_ahead_equals_the_draw_in_one_process(number: int, ahead: None) -> None:
    rng = random.Random(number)
    case = scenario(rng, entities=rng.randint(1, 80), officers=rng.randint(0, 40))
    expected = serial(case)
    assert draw_teams(*case, pool=InlinePool()) == expected
    assert draw_teams(*case, pool=GappedPool(rng)) == expected


def test_stale_rankings_are_checked_and_redrawn_where_they_cannot_decide(ahead: None) -> None:
    """A cap of one: most rankings name someone who reached the cap since, and the teams still
    come out equal (in a joint plan at both levels, where a department's first counts too)."""
    rng = random.Random(7)
    for level in (None, PlanLevel.CITY_AND_COUNTY):
        plan, seed, codes, staff, catalogue, staffing = scenario(rng, entities=60, officers=160)
        both = dataclasses.replace(plan, workload_cap=1, level=level, team_size=4,
                                   departments=(CITY_MARKET, CITY_HEALTH))
        catalogue = [dataclasses.replace(catalogue[0], code=f"Y-{n}", department=d, specialty="")
                     for n, d in enumerate(both.departments)]
        case = (dataclasses.replace(both, items=tuple(i.code for i in catalogue)), seed, codes,
                staff, catalogue, dataclasses.replace(staffing, level=level))
        expected = serial(case)
        assert len(expected.assignments) >= 8
        assert draw_teams(*case, pool=InlinePool()) == expected
        assert draw_teams(*case, pool=GappedPool(rng)) == expected


def test_worker_processes_form_the_same_teams() -> None:
    rng = random.Random(2026)
    for _ in range(3):
        case = scenario(rng, entities=400, officers=120)
        with TicketWorkers(2) as workers:
            assert draw_teams(*case, pool=workers) == serial(case)


def test_a_large_draw_starts_its_own_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    case = scenario(random.Random(11), entities=200, officers=60)
    expected = serial(case)
    started: list[int] = []

    class Counted(TicketWorkers):
        def __init__(self, processes: int) -> None:
            started.append(processes)
            super().__init__(processes)

    monkeypatch.setattr(sampling, "PARALLEL_TICKETS", 1)
    monkeypatch.setattr(sampling, "TicketWorkers", Counted)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert draw_teams(*case) == expected
    assert started == [2]


def test_a_worker_error_is_raised_in_the_draw() -> None:
    broken = Chunk("种子/team/", 2, 18, {}, [Entry("91370602000000001X", ("无此部门",), frozenset())])
    with TicketWorkers(1) as workers, pytest.raises(RuntimeError, match="KeyError"):
        workers.result(workers.submit(broken))
