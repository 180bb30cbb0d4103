"""The draw (DESIGN §6): which entities are inspected, and by whom.

Targets are drawn per risk grade by consistent sampling, the algorithm of Rivest's
``consistent_sampler`` 1.0.10. Every id gets a *ticket*, a decimal fraction that depends only on
the seed and the id; the sample is the ids in increasing ticket order. In that package::

    seed_hash = sha256(str(seed).encode("utf-8")).hexdigest()          # 64 lowercase hex chars
    n         = int(sha256((seed_hash + str(id)).encode("utf-8")).hexdigest(), 16)
    ticket    = "0." + "{:064d}".format(n)[::-1]    # n's decimal digits, least significant first

Tickets are compared as strings, ties (only possible through a SHA-256 collision) by id. Note
that ``{:064d}`` pads but never truncates: most tickets carry 77 or 78 digits, and the string
comparison then treats a shorter ticket that is a prefix of a longer one as smaller; comparing
the reversed digit strings themselves reproduces this exactly.

:func:`consistent_sample` computes the same order natively, about six times faster than the
reference on a million ids (``python -m bench.draw``), by the two-pass selection of
:mod:`server_stub.draws.tickets`.

Teams are drawn per drawn entity with the same tickets and the seed ``SEED + "/team/" +
credit_code``. See :func:`draw_teams` for the eligibility rules and the rule for joint plans.
Every eligible inspector must be hashed for every entity (any of them may hold the smallest
ticket), so that hash is the whole cost: the same first pass finds the few who can be in the
team (the first ``team_size`` overall, and the first of each department of a joint plan), and
only those get exact tickets; eligibility that does not depend on the entity is settled once
per draw. A province (30,000 entities, 5,000 inspectors in 50 departments) takes seconds
(``python -m bench.teams``). A draw of millions of tickets hashes them in worker processes,
ahead of the draw (:mod:`server_stub.draws.ticket_workers`), and takes their ranking only where
it provably gives the team the draw in one process gives.

Pure Python and no I/O, but for those worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import os
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from server_stub.draws.ticket_workers import Chunk, Entry, Ranked, TicketPool, TicketWorkers
from server_stub.draws.tickets import prefilter, ticket_hasher, ticket_order
from sync import (
    Department,
    DepartmentLevel,
    Entity,
    InspectionItem,
    Inspector,
    Plan,
    PlanLevel,
    RiskGrade,
    parse_ratio,
)

ALGORITHM = "consistent_sampler"
"""Name of the sampling algorithm, as published with every draw."""

ALGORITHM_VERSION = "1.0.10"
"""The ``consistent_sampler`` release whose output :func:`consistent_sample` reproduces."""

TEAM_SEED_INFIX = "/team/"
"""A team is ordered with the seed ``SEED + TEAM_SEED_INFIX + credit_code``."""

BATCH_SEED_INFIX = "/batch/"
"""The tasks are split into batches in ticket order for ``SEED + BATCH_SEED_INFIX``."""

PARALLEL_TICKETS = 1_000_000
"""A team draw that may hash this many tickets (drawn entities × qualified 执法人员) or more is
ranked in worker processes: about half a second of one core, against some 50 ms to start them."""

MAX_PROCESSES = 8
CHUNK = 32
"""Entities per chunk sent to a worker: some tens of milliseconds of hashing at a province's size,
against well under one for sending it."""

AHEAD_PER_PROCESS = 2
"""Chunks waiting per worker process: enough that none waits for the draw, few enough that the
roster they were sent with is seldom much fuller than the draw's (a few hundred entities)."""

DEPTH_MARGIN = 8
"""How many beyond the team size a worker ranks exactly per entity, for those who reach the cap
after the chunk was sent."""

# Chinese text of this module (reasons shown to the supervisor who runs the draw). To move into
# server_stub's strings module once there is one (DESIGN §2: one place per side).
MSG_DUPLICATE_ID = "抽样对象编号重复：「{id}」"
MSG_NEGATIVE_K = "抽取数量不能为负数：{k}"
MSG_BAD_POPULATION = "名录数量应为非负整数：{population}"
MSG_EMPTY_SEED = "随机种子不能为空"
MSG_UNKNOWN_ITEM = "抽查事项「{code}」不在事项清单中"
MSG_FOREIGN_ITEM = "联合抽查事项「{code}」的检查主体「{department}」不是本计划的部门"
MSG_TEAM_TOO_SMALL_FOR_JOINT = (
    "联合抽查检查组人数（{team_size}人）少于参与部门数（{departments}个）"
)
MSG_TOO_FEW_ELIGIBLE = "可派检查人员{eligible}人，不足检查组人数{team_size}人"
MSG_MISSING_DEPARTMENTS = "部门{departments}无可派检查人员"
MSG_EXCLUDED = "排除：{details}"
MSG_EXCLUSION_COUNT = "{label}{count}人"
MSG_NO_COUNTERPART = "「{region}」没有对应「{department}」的县级部门"
MSG_NO_EXPERT = "缺少可派的具备「{specialty}」专业的专业技术人员"
REASON_INACTIVE = "不在岗"
REASON_UNQUALIFIED = "缺少所需资格"
REASON_CONFLICT = "需回避"
REASON_AT_CAP = "已达任务上限"
SEPARATOR = "；"
LIST_SEPARATOR = "、"

# --- consistent sampling ---------------------------------------------------------------------


def consistent_sample(ids: Sequence[str], seed: str, k: int) -> list[str]:
    """The first ``k`` of ``ids`` in ticket order for ``seed``.

    Equals ``list(consistent_sampler.sampler(ids, seed=seed, take=k, output='id'))`` for every
    list of distinct strings and every ``k >= 0``, order included; ``k`` beyond ``len(ids)``
    gives all of them. Raises ``ValueError`` for a duplicate id or a negative ``k``.
    """
    _check_sample_args(ids, k)
    k = min(k, len(ids))
    if k == 0:
        return []
    hasher = ticket_hasher(seed)
    candidates = prefilter([(ids, map(str.encode, ids))], hasher, k) if 2 * k < len(ids) else ids
    return ticket_order(hasher, candidates)[:k]


def _check_sample_args(ids: Sequence[str], k: int) -> None:
    if k < 0:
        raise ValueError(MSG_NEGATIVE_K.format(k=k))
    if len(set(ids)) != len(ids):
        duplicate = next(id_ for id_, count in Counter(ids).items() if count > 1)
        raise ValueError(MSG_DUPLICATE_ID.format(id=duplicate))


# --- entity draw -----------------------------------------------------------------------------


COMMITMENT_PREFIX = "zsc-seed-commitment:"


def commitment(seed: str) -> str:
    """The commitment a plan publishes before its draw:
    ``sha256(("zsc-seed-commitment:" + seed).encode("utf-8")).hexdigest()``.

    Deliberately not the plain SHA-256 of the seed that DESIGN §6 names: that value is
    ``consistent_sampler``'s own ``seed_hash``, and every ticket is ``sha256(seed_hash + id)``, so
    publishing it would let anyone compute the draw before the seed is revealed. The prefix makes
    the commitment a value the tickets never use; it still binds the platform to the seed.
    """
    return hashlib.sha256((COMMITMENT_PREFIX + seed).encode("utf-8")).hexdigest()


POPULATION_PREFIX = "zsc-population:"

SALT_HEX_DIGITS = 32
"""A stratum's salt: 128 random bits, written as 32 lowercase hex digits."""


def population_commitment(ids: Iterable[str], salt: str) -> str:
    """The published commitment to a stratum's population, which names no grade.

    Lowercase hex SHA-256 of the UTF-8 bytes of ``"zsc-population:" + salt + "\\n"`` followed by
    the ids sorted by code point (byte order for credit codes) and joined by ``"\\n"``, with no
    trailing newline. The salt (:data:`SALT_HEX_DIGITS` hex digits, drawn afresh for every
    stratum at the draw) travels only in the auditor's export: without it nobody can test a guess
    such as "these drawn codes are the whole stratum", which an unsalted hash of a small stratum
    allowed, and so learn the grade of every entity in it. The prefix keeps the value apart from
    any other hash the project publishes.
    """
    text = POPULATION_PREFIX + salt + "\n" + "\n".join(sorted(ids))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stratum_size(population: int, ratio_percent: Decimal) -> int:
    """How many entities of a stratum are drawn: ``ceil(population × ratio / 100)``, exactly.

    The ratio is a percentage in [0, 100] (``Decimal``, ``int`` or a decimal string, never a
    float). Arithmetic is done on fractions, so no decimal context precision can round it.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(MSG_BAD_POPULATION.format(population=population))
    ratio = Fraction(parse_ratio(ratio_percent))
    return math.ceil(population * ratio / 100)


def in_scope(plan: Plan, entity: Entity) -> bool:
    """Whether ``entity`` passes the plan's region, industry and status filters.

    An empty filter admits every value. Recent inspections are the caller's business: they need
    the inspection history, which this pure module does not have.
    """
    return (
        (not plan.regions or entity.region in plan.regions)
        and (not plan.industries or entity.industry in plan.industries)
        and (not plan.statuses or entity.status in plan.statuses)
    )


@dataclass(frozen=True)
class StratumResult:
    """One risk grade's part of a draw (internal: it names the grade)."""

    grade: RiskGrade
    population: int
    ratio: Decimal
    k: int
    drawn: tuple[str, ...]


@dataclass(frozen=True)
class EntityDraw:
    """A published entity draw. ``drawn`` is the combined draw order: grades A to D, each in
    ticket order."""

    plan_id: str
    algorithm: str
    algorithm_version: str
    seed: str
    strata: tuple[StratumResult, ...]

    @property
    def drawn(self) -> tuple[str, ...]:
        return tuple(code for stratum in self.strata for code in stratum.drawn)


def draw_entities(plan: Plan, entities: Iterable[Entity], seed: str) -> EntityDraw:
    """Draw the plan's targets from ``entities``, which the caller has already limited to the
    plan's scope (see :func:`in_scope`).

    Each grade with a ratio in the plan is one stratum, even when empty; entities of other grades
    are not drawn. Raises ``ValueError`` for an empty seed or a credit code listed twice.
    """
    by_grade: dict[RiskGrade, list[str]] = {grade: [] for grade in plan.ratios}
    for entity in entities:
        if entity.risk_grade in by_grade:
            by_grade[entity.risk_grade].append(entity.credit_code)
    return draw_populations(plan, by_grade, seed)


def draw_populations(plan: Plan, populations: Mapping[RiskGrade, Sequence[str]],
                     seed: str) -> EntityDraw:
    """Draw each stratum of ``populations`` (the credit codes of each grade the plan has a ratio
    for, as frozen at the start of the draw) with ``seed``."""
    if not seed:
        raise ValueError(MSG_EMPTY_SEED)
    _check_sample_args([code for codes in populations.values() for code in codes], 0)
    strata = tuple(
        _draw_stratum(grade, list(populations.get(grade, ())), plan.ratios[grade], seed)
        for grade in RiskGrade
        if grade in plan.ratios
    )
    return EntityDraw(plan.id, ALGORITHM, ALGORITHM_VERSION, seed, strata)


def _draw_stratum(grade: RiskGrade, codes: list[str], ratio: Decimal, seed: str) -> StratumResult:
    k = stratum_size(len(codes), ratio)
    drawn = tuple(consistent_sample(codes, seed, k))
    return StratumResult(grade, len(codes), ratio, k, drawn)


# --- team draw -------------------------------------------------------------------------------


def team_order(drawn: Iterable[str]) -> list[str]:
    """The order in which the drawn entities get their teams: credit-code order over the whole
    draw. Draw order runs stratum by stratum, and a team draw in that order would fill the
    workload cap grade by grade (DESIGN §11: nothing public follows the strata)."""
    return sorted(drawn)


def task_ids(plan_id: str, teams: TeamDraw) -> dict[str, str]:
    """Each formed team's task id, ``{plan}-{n:05d}`` numbered in credit-code order once the
    whole draw is made: a task's number tells no more than its credit code, which is public."""
    codes = sorted(a.credit_code for a in teams.assignments)
    return {code: f"{plan_id}-{n:05d}" for n, code in enumerate(codes, 1)}


@dataclass(frozen=True)
class Assignment:
    """A formed team: its 执法人员 in ticket order, then its 专业技术人员 (``experts``, one per
    specialty the items need, in the order of the specialties), and every item of the plan."""

    credit_code: str
    team: tuple[str, ...]
    items: tuple[str, ...]
    experts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unassigned:
    """A drawn entity no team could be formed for, with the reason in Chinese."""

    credit_code: str
    reason: str


@dataclass(frozen=True)
class TeamDraw:
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]


@dataclass(frozen=True)
class Staffing:
    """Where each entity's team comes from (DESIGN §12): the plan's level, the departments by
    level and region, and each drawn entity's region.

    Without a level that draws county staff every team comes from the plan's own departments,
    whatever the regions. In a 市抽县查 plan each of the plan's (city) departments is stood in for
    by its county counterpart in the entity's region (the county department whose ``parent`` it
    is); in a 市县联查 plan by both.
    """

    level: PlanLevel | None = None
    departments: Mapping[str, Department] = field(default_factory=dict)
    regions: Mapping[str, str] = field(default_factory=dict)

    def counterpart(self, department: str, region: str) -> str | None:
        """The county department answering to ``department`` in ``region``, if the directory has
        one (the first by name, should it list two)."""
        found = sorted(d.name for d in self.departments.values()
                       if d.parent == department and d.region == region
                       and d.level is DepartmentLevel.COUNTY)
        return found[0] if found else None

    def pool_departments(self, plan: Plan) -> set[str]:
        """Every department whose staff the plan may send anywhere: its own (in a 市抽县查 plan
        only their 专业技术人员, the city's expert pool) and, at a level that draws county staff,
        their county counterparts."""
        own = set(plan.departments)
        if self.level is None or not self.level.county_staff:
            return own
        return own | {d.name for d in self.departments.values()
                      if d.parent in own and d.level is DepartmentLevel.COUNTY}

    def units(self, plan: Plan, code: str) -> tuple[list[str], list[str]]:
        """The departments a team for ``code`` must each bring someone from, in order, and the
        plan's departments that have no county counterpart in the entity's region."""
        if self.level is None or not self.level.county_staff:
            return list(plan.departments), []
        region = self.regions.get(code, "")
        units: list[str] = []
        missing: list[str] = []
        for department in plan.departments:
            if self.level is PlanLevel.CITY_AND_COUNTY:
                units.append(department)
            county = self.counterpart(department, region)
            if county is None:
                missing.append(MSG_NO_COUNTERPART.format(region=region or "（未知区划）",
                                                         department=department))
            else:
                units.append(county)
        return units, missing

    def slot_of(self, plan: Plan) -> dict[str, str]:
        """For each department of the pool, the plan department whose items its staff inspect
        (itself, or the city department a county one answers to)."""
        return {d: d if d in plan.departments else self.departments[d].parent
                for d in self.pool_departments(plan)}


def needed_specialties(plan: Plan, catalogue: Mapping[str, InspectionItem]) -> list[str]:
    """The specialties the plan's items need on a team, each once, in code-point order."""
    return sorted({catalogue[c].specialty for c in plan.items
                   if c in catalogue and catalogue[c].specialty})


def draw_teams(
    plan: Plan,
    seed: str,
    credit_codes: Sequence[str],
    inspectors: Iterable[Inspector],
    catalogue: Iterable[InspectionItem],
    staffing: Staffing | None = None,
    *,
    pool: TicketPool | None = None,
) -> TeamDraw:
    """Form a team for every drawn entity, in the order of ``credit_codes`` (the platform hands in
    :func:`team_order` of the draw; exports made before format 5 used draw order).

    A 执法人员 is eligible for an entity when they are active, belong to one of the departments
    ``staffing`` sends there (the plan's own, or their county counterparts in the entity's region:
    :class:`Staffing`), hold every qualification the plan's items require (in a joint plan: those
    of the items of the department they stand for; ``""`` requires none), need not recuse from the
    entity (回避: its credit code is in ``Inspector.conflicts``), and have fewer tasks from this
    draw than the plan's ``workload_cap``. The eligible are ordered by
    ``consistent_sample(ids, seed + "/team/" + credit_code, len(ids))``.

    The team takes, for each of the entity's departments in order, the first eligible 执法人员 of
    that department in ticket order; then the remaining places up to ``team_size`` from the
    other eligible in ticket order (a single-department plan simply takes the first
    ``team_size``). Then, for each specialty an item needs (:func:`needed_specialties`), unless a
    chosen expert already holds it, the first 专业技术人员 in the same ticket order who is
    active, of those departments, holds the specialty, need not recuse and is under the cap.

    A team is formed only with exactly ``team_size`` 执法人员 (never fewer, so never one),
    someone from every department and an expert for every specialty. Otherwise the entity is
    reported unassigned with the reason. Only formed teams count towards the workload cap.

    Raises ``ValueError`` when a plan item is missing from ``catalogue``, when a joint plan's item
    belongs to none of its departments, or when a joint plan's team is smaller than its number of
    departments.

    ``pool`` ranks the entities' inspectors ahead of the draw (:class:`_Ahead`); without one, a
    draw of at least :data:`PARALLEL_TICKETS` tickets starts :class:`TicketWorkers` on every
    core this process may use, and a smaller one (or a one-core machine) is drawn in this
    process. The teams are the same either way.
    """
    staffing = staffing or Staffing()
    items_by_code = {item.code: item for item in catalogue}
    required = _required_qualifications(plan, items_by_code)
    specialties = needed_specialties(plan, items_by_code)
    slot_of = staffing.slot_of(plan)
    staff = [i for i in inspectors if i.department in slot_of]
    _check_sample_args([i.id for i in staff], 0)
    _check_sample_args(credit_codes, 0)
    officers, unqualified = _qualified([i for i in staff if i.is_officer], required, slot_of)
    roster = _Roster(plan, sorted(slot_of), officers)
    experts = _Experts([i for i in staff if not i.is_officer and i.active], plan.workload_cap)
    workers = None
    if pool is None and len(credit_codes) * len(officers) >= PARALLEL_TICKETS:
        pool = workers = _start_workers()
    ahead = _Ahead(pool, plan, seed, credit_codes, staffing, roster) if pool is not None else None
    assignments: list[Assignment] = []
    unassigned: list[Unassigned] = []
    try:
        for code in credit_codes:
            ranked = ahead.ranked(code) if ahead else None
            units, no_counterpart = staffing.units(plan, code)
            groups = roster.eligible(code, units)
            eligible = sum(len(ids) for ids, _ in groups)
            missing = [d for d, (ids, _) in zip(units, groups, strict=True) if not ids]
            if eligible < plan.team_size or missing or no_counterpart:
                excluded = unqualified + roster.excluded(code)
                reason = _unassigned_reason(eligible, plan.team_size, missing, excluded,
                                            no_counterpart)
                unassigned.append(Unassigned(code, reason))
                continue
            hasher = ticket_hasher(seed + TEAM_SEED_INFIX + code)
            ordered = roster.still_ranked(ranked, units, plan.team_size) if ranked else None
            if ordered is None:
                ordered = ticket_order(hasher, prefilter(groups, hasher, plan.team_size))
            team = _pick_team(ordered, roster.department_of, units, plan.team_size)
            chosen, lacking = experts.pick(hasher, code, {*units, *plan.departments},
                                           specialties)
            if lacking:
                unassigned.append(Unassigned(code, SEPARATOR.join(
                    MSG_NO_EXPERT.format(specialty=s) for s in lacking)))
                continue
            roster.assign(team)
            experts.assign(chosen)
            assignments.append(Assignment(code, team + chosen, plan.items, chosen))
    finally:
        if workers is not None:
            workers.close()
    return TeamDraw(tuple(assignments), tuple(unassigned))


def _start_workers() -> TicketWorkers | None:
    """Worker processes on every core this process may use (at most :data:`MAX_PROCESSES`), or
    none on one core or where they cannot be started: the draw is then made in this process."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    processes = min(cores or 1, MAX_PROCESSES)
    if processes < 2:
        return None
    try:
        return TicketWorkers(processes)
    except OSError:
        return None


def _required_qualifications(
    plan: Plan, catalogue: Mapping[str, InspectionItem]
) -> dict[str, frozenset[str]]:
    """The qualifications each of the plan's departments' inspectors must hold."""
    if plan.is_joint and plan.team_size < len(plan.departments):
        raise ValueError(
            MSG_TEAM_TOO_SMALL_FOR_JOINT.format(
                team_size=plan.team_size, departments=len(plan.departments)
            )
        )
    required: dict[str, set[str]] = {department: set() for department in plan.departments}
    for code in plan.items:
        item = catalogue.get(code)
        if item is None:
            raise ValueError(MSG_UNKNOWN_ITEM.format(code=code))
        if not plan.is_joint:
            required[plan.lead_department].add(item.qualification)
        elif item.department in required:
            required[item.department].add(item.qualification)
        else:
            raise ValueError(MSG_FOREIGN_ITEM.format(code=code, department=item.department))
    return {department: frozenset(q for q in quals if q) for department, quals in required.items()}


def _qualified(
    pool: Iterable[Inspector], required: Mapping[str, frozenset[str]], slot_of: Mapping[str, str]
) -> tuple[list[Inspector], Counter[str]]:
    """The 执法人员 able to go anywhere in this plan, and why the others cannot, counted."""
    qualified: list[Inspector] = []
    excluded: Counter[str] = Counter()
    for inspector in pool:
        if not inspector.active:
            excluded[REASON_INACTIVE] += 1
        elif not required[slot_of[inspector.department]] <= set(inspector.qualifications):
            excluded[REASON_UNQUALIFIED] += 1
        else:
            qualified.append(inspector)
    return qualified, excluded


class _Roster:
    """The plan's qualified 执法人员 who are still under the workload cap, by department.

    Qualification and active status do not depend on the entity, and the cap changes only when
    a team is formed, so the lists (ids and their UTF-8 bytes, which every entity's tickets
    hash) are built once and shortened as inspectors reach the cap; per entity only conflicts
    of interest are left to take out. A shortened list is a new list: a chunk sent ahead
    (:class:`_Ahead`) may still hold the old one.
    """

    def __init__(self, plan: Plan, departments: Iterable[str], qualified: Iterable[Inspector]) -> None:
        self.department_of: dict[str, str] = {}
        self._available: dict[str, list[str]] = {d: [] for d in departments}
        conflicts: dict[str, set[str]] = {}
        for inspector in qualified:
            self.department_of[inspector.id] = inspector.department
            self._available[inspector.department].append(inspector.id)
            for code in inspector.conflicts:
                conflicts.setdefault(code, set()).add(inspector.id)
        self._conflicts: dict[str, frozenset[str]] = {
            code: frozenset(ids) for code, ids in conflicts.items()}
        self._encoded = {d: [i.encode() for i in ids] for d, ids in self._available.items()}
        self._cap = plan.workload_cap
        self._workload: Counter[str] = Counter()
        self._at_cap: set[str] = set()

    def eligible(self, code: str, units: Sequence[str]) -> list[tuple[list[str], list[bytes]]]:
        """Ids and their bytes of who may go to ``code``, per department of ``units`` in order."""
        conflicted = self._conflicts.get(code)
        groups = [(self._available[d], self._encoded[d]) for d in units]
        if not conflicted:
            return groups
        return [
            (
                [i for i in ids if i not in conflicted],
                [e for i, e in zip(ids, encoded, strict=True) if i not in conflicted],
            )
            for ids, encoded in groups
        ]

    def entry(self, code: str, units: Sequence[str]) -> Entry:
        """``code`` as a chunk sent ahead names it: with who must recuse from it."""
        return Entry(code, tuple(units), self._conflicts.get(code, frozenset()))

    def available(self, departments: Iterable[str]) -> dict[str, list[str]]:
        """Who of ``departments`` is under the cap now (the lists themselves: never changed)."""
        return {d: self._available[d] for d in departments}

    def still_ranked(self, ranked: Ranked, units: Sequence[str], team_size: int) -> list[str] | None:
        """What :func:`_pick_team` needs of ``ranked`` (made when more were eligible, those who
        have since reached the cap), or ``None`` when it may not decide the team.

        Those of ``ranked.ordered`` still under the cap keep their ticket order. Its first
        ``ranked.head`` were the first of all then eligible, so the ones still eligible among
        them are the first of all eligible now: enough when there are ``team_size`` of them.
        A department's first now is known if it is the department's first in ``ordered`` (its
        first then) or lies within that head.
        """
        at_cap = self._at_cap
        ordered, head = ranked
        if sum(i not in at_cap for i in ordered[:head]) < team_size:
            return None
        department_of = self.department_of
        for department in units:
            seen = False
            for n, i in enumerate(ordered):
                if department_of[i] != department:
                    continue
                if i not in at_cap and (not seen or n < head):
                    break
                if n >= head:
                    return None
                seen = True
            else:
                return None
        return [i for i in ordered if i not in at_cap]

    def excluded(self, code: str) -> Counter[str]:
        """How many of the qualified cannot go to ``code``, and why (回避 counted first)."""
        conflicted = self._conflicts.get(code, frozenset())
        at_cap = len(self._at_cap) - len(conflicted & self._at_cap)  # not a copy of the cap's set
        return Counter({REASON_CONFLICT: len(conflicted), REASON_AT_CAP: at_cap})

    def assign(self, team: Iterable[str]) -> None:
        """Count a formed team's task, and take off the lists whoever it brings to the cap
        (by slicing: the few who leave are found with ``index``, the lists copied in C)."""
        self._workload.update(team)
        if self._cap is None:
            return
        for i in team:
            if self._workload[i] >= self._cap and i not in self._at_cap:
                self._at_cap.add(i)
                department = self.department_of[i]
                ids, encoded = self._available[department], self._encoded[department]
                n = ids.index(i)
                self._available[department] = ids[:n] + ids[n + 1:]
                self._encoded[department] = encoded[:n] + encoded[n + 1:]


class _Ahead:
    """The ticket order of each drawn entity's inspectors, ranked by a :class:`TicketPool` in
    chunks of :data:`CHUNK` entities, :data:`AHEAD_PER_PROCESS` chunks per process ahead of the
    draw, each among who was eligible when it was sent (:func:`ticket_workers.rank_chunk`);
    the draw takes a ranking only where :meth:`_Roster.still_ranked` shows it decides the team.
    """

    def __init__(self, pool: TicketPool, plan: Plan, seed: str, credit_codes: Sequence[str],
                 staffing: Staffing, roster: _Roster) -> None:
        self._pool, self._plan, self._staffing, self._roster = pool, plan, staffing, roster
        self._seed = seed + TEAM_SEED_INFIX
        self._chunks = deque(credit_codes[n:n + CHUNK] for n in range(0, len(credit_codes), CHUNK))
        self._sent: deque[tuple[Sequence[str], list[str], int]] = deque()
        self._ranked: dict[str, Ranked | None] = {}

    def ranked(self, code: str) -> Ranked | None:
        """``code``'s ranking; asked for every code in the draw's order."""
        if code not in self._ranked:
            self._send(AHEAD_PER_PROCESS * self._pool.processes)
            codes, sent, handle = self._sent.popleft()
            self._ranked = dict.fromkeys(codes)
            self._ranked.update(zip(sent, self._pool.result(handle), strict=True))
        return self._ranked.pop(code)

    def _send(self, count: int) -> None:
        """Send chunks until ``count`` wait for their rankings, with who is eligible now. An
        entity without a county counterpart gets no team, and is not sent."""
        while len(self._sent) < count and self._chunks:
            codes = self._chunks.popleft()
            entries = []
            for code in codes:
                units, no_counterpart = self._staffing.units(self._plan, code)
                if not no_counterpart:
                    entries.append(self._roster.entry(code, units))
            departments = {d for e in entries for d in e.units}
            chunk = Chunk(self._seed, self._plan.team_size, self._plan.team_size + DEPTH_MARGIN,
                          self._roster.available(departments), entries)
            self._sent.append((codes, [e.code for e in entries], self._pool.submit(chunk)))


class _Experts:
    """The active 专业技术人员 of the plan's pool, and their workload in this draw. Few, so each
    entity's candidates are simply ticket-ordered in full."""

    def __init__(self, experts: Iterable[Inspector], cap: int | None) -> None:
        self._experts = list(experts)
        self._cap = cap
        self._workload: Counter[str] = Counter()

    def pick(self, hasher: hashlib._Hash, code: str, departments: set[str],
             specialties: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
        """The experts for ``code``'s team, and the specialties nobody eligible holds."""
        if not specialties:
            return (), []
        eligible = [e for e in self._experts
                    if e.department in departments and code not in e.conflicts
                    and (self._cap is None or self._workload[e.id] < self._cap)]
        by_id = {e.id: e for e in eligible}
        ordered = ticket_order(hasher, by_id)
        chosen: list[str] = []
        lacking: list[str] = []
        for specialty in specialties:
            if any(specialty in by_id[c].qualifications for c in chosen):
                continue
            first = next((i for i in ordered if i not in chosen
                          and specialty in by_id[i].qualifications), None)
            if first is None:
                lacking.append(specialty)
            else:
                chosen.append(first)
        return tuple(chosen), lacking

    def assign(self, chosen: Iterable[str]) -> None:
        self._workload.update(chosen)


def _pick_team(ordered: list[str], department_of: Mapping[str, str], units: Sequence[str],
               team_size: int) -> tuple[str, ...]:
    """The first ``team_size`` in ticket order, after the first of each of ``units``.

    ``ordered`` need only be the prefiltered candidates in ticket order: they hold the first of
    every department and the first ``team_size`` overall (everyone taken besides the departments'
    firsts is among those), in the same relative order.
    """
    chosen = {next(i for i in ordered if department_of[i] == d) for d in units}
    chosen.update(itertools.islice((i for i in ordered if i not in chosen), team_size - len(chosen)))
    return tuple(i for i in ordered if i in chosen)


def batch_release(plan: Plan, seed: str, credit_codes: Iterable[str]) -> dict[str, dt.date]:
    """The release date of each formed task's batch (分批次派发), or nothing for a plan without
    batches.

    The tasks' credit codes are put in ticket order for ``seed + "/batch/"`` over the whole draw
    (never stratum by stratum: a batch must not tell a grade, DESIGN §11), then split into
    ``len(plan.batches)`` runs as even as can be, the earlier runs taking one more; the n-th run
    is released on the n-th date.
    """
    if not plan.batches:
        return {}
    codes = sorted(credit_codes)
    ordered = consistent_sample(codes, seed + BATCH_SEED_INFIX, len(codes))
    count = len(plan.batches)
    size, extra = divmod(len(ordered), count)
    release: dict[str, dt.date] = {}
    start = 0
    for n, day in enumerate(plan.batches):
        end = start + size + (1 if n < extra else 0)
        release.update(dict.fromkeys(ordered[start:end], day))
        start = end
    return release


def _unassigned_reason(
    eligible: int, team_size: int, missing: Sequence[str], excluded: Mapping[str, int],
    no_counterpart: Sequence[str] = (),
) -> str:
    parts = list(no_counterpart)
    if eligible < team_size:
        parts.append(MSG_TOO_FEW_ELIGIBLE.format(eligible=eligible, team_size=team_size))
    if missing:
        names = LIST_SEPARATOR.join(f"「{d}」" for d in missing)
        parts.append(MSG_MISSING_DEPARTMENTS.format(departments=names))
    details = [
        MSG_EXCLUSION_COUNT.format(label=label, count=excluded[label])
        for label in (REASON_INACTIVE, REASON_UNQUALIFIED, REASON_CONFLICT, REASON_AT_CAP)
        if excluded[label]
    ]
    if details:
        parts.append(MSG_EXCLUDED.format(details=LIST_SEPARATOR.join(details)))
    return SEPARATOR.join(parts)
