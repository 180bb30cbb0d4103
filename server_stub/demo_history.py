"""Earlier inspections for the demo (issue 24 point 8): last year's plan of the demo's department,
with results for some of the enterprises the demo inspector now holds tasks for, so that a
newcomer's first day shows every 风险预警 (``app.domain.lookup.WarningKind``) and a calm history
beside them.

Written as real rows, not through ingest: the platform refuses a record timed before its task's
draw (``records.ingest._check_times``), and these are of an earlier plan drawn last year, so each
row carries last year's times consistently — the plan's and its tasks' ``created_at`` before the
visit, the visit before its receipt, review and publication. Each record is signed by a demo
device made for the purpose (its key derived from the demo's seed, so a seed gives the same
records), so its envelope verifies like any other; published results are appended to the
publication log through ``publication.log`` (publish, withdraw), so the log and its signed tree
heads verify. No ``task_members`` rows: last year's tasks are done and are no one's work now (and
the demo's busiest inspector and supervisor stay who they were).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.core import tables as t
from server_stub.draws.plan_codec import plan_to_json
from server_stub.publication import log as publication_log
from server_stub.publication.announcements import number_plan
from sync import (
    ItemResult,
    Location,
    LocationSource,
    Outcome,
    Plan,
    Record,
    RecordItem,
    RecordState,
    RiskGrade,
    public_key_b64,
    record_hash,
    sign_record,
)

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class _Visit:
    """One earlier inspection of the demo: when (month, day of last year), what was found, and
    what became of it."""

    month: int
    day: int
    outcome: Outcome
    disposal: str | None = None
    """The follow-up's disposal, recorded ten days after the visit; None leaves it open."""
    withdrawn: str | None = None
    """Why the published result was later withdrawn; None when it stands."""
    note: str = ""


_VISITS = (
    # 风险预警: an open follow-up, long past its deadline
    _Visit(5, 12, Outcome.PROBLEM_PENDING, note="进货查验记录不全，待立案调查"),
    # 风险预警: 不配合检查情节严重
    _Visit(6, 3, Outcome.REFUSED_INSPECTION, note="负责人拒绝检查人员进入经营场所"),
    # 风险预警: 公示信息隐瞒真实情况、弄虚作假
    _Visit(6, 18, Outcome.INFO_FALSIFIED, note="公示的经营场所与实际不符"),
    # 风险预警: a withdrawn result
    _Visit(7, 9, Outcome.NO_PROBLEM, withdrawn="检查对象核对有误，经复核撤回该结果"),
    # no warning: problems found, and the follow-up closed in time
    _Visit(8, 20, Outcome.PROBLEM_PENDING, disposal="责令改正", note="冷藏设施温度超标"),
    # no warning: a plain result
    _Visit(9, 10, Outcome.NO_PROBLEM),
)
"""In the order of the demo inspector's tasks (their draw order): the first task's enterprise
gets the first visit, and so on; the warnings come first, so that an inspector with four tasks
has them all."""

_PLAN_ITEMS = ("SC-SP-01", "SC-SP-02")
_DEVICE_NAME = "演示数据：往年检查记录"


def _uuid(seed: int, *parts: object) -> str:
    digest = hashlib.sha256(":".join(["zsc-demo-history", str(seed), *map(str, parts)]).encode())
    return str(uuid.UUID(bytes=digest.digest()[:16], version=4))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CHINA)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.isoformat()


def earlier_plan(year: int, department: str) -> Plan:
    """Last year's plan of the demo's kind (food sellers and caterers), as it was created then."""
    return Plan(
        id=f"WH-{year}-SP-00", name=f"{year}年威海市食品经营者“双随机”抽查",
        departments=(department,), items=_PLAN_ITEMS,
        ratios={RiskGrade.A: Decimal(1), RiskGrade.B: Decimal(3), RiskGrade.C: Decimal(10),
                RiskGrade.D: Decimal(20)},
        team_size=2, window_start=dt.date(year, 5, 1), window_end=dt.date(year, 10, 31),
        workload_cap=8)


def add_demo_history(conn: sa.Connection, *, inspector: str, plan_id: str, seed: int,
                     today: dt.date, key: Ed25519PrivateKey) -> list[str]:
    """Records last year's inspections of the enterprises of ``inspector``'s tasks in ``plan_id``
    (one per task, in draw order, as far as :data:`_VISITS` goes); returns their record ids.

    ``key`` is the platform's, which signs the publication log's tree heads."""
    codes = list(conn.execute(
        sa.select(t.tasks.c.credit_code)
        .join(t.task_members, t.task_members.c.task_id == t.tasks.c.id)
        .where(t.tasks.c.plan_id == plan_id, t.task_members.c.inspector_id == inspector)
        .order_by(t.tasks.c.draw_order)).scalars())[:len(_VISITS)]
    if not codes:
        return []
    i = t.inspectors
    department: str = conn.execute(sa.select(i.c.department).where(i.c.id == inspector)).scalar_one()
    busy = sa.select(t.task_members.c.inspector_id)
    colleagues = list(conn.execute(
        sa.select(i.c.id).where(i.c.department == department, i.c.active.is_(True),
                                i.c.id != inspector, i.c.id.in_(busy))
        .order_by(i.c.id).limit(2)).scalars())
    team = (colleagues + [inspector, inspector])[:2] if len(colleagues) < 2 else colleagues
    team = list(dict.fromkeys(team))
    idle = sa.select(i.c.id).where(i.c.department == department, i.c.active.is_(True),
                                   i.c.id.not_in([*team, inspector])).order_by(i.c.id).limit(1)
    reviewer = conn.execute(idle).scalar() or inspector

    # One visit per task's enterprise, last year; what is left over, if the inspector has fewer
    # tasks than visits, falls to the year before, on the same enterprises again.
    visits = [(today.year - 1 - k // len(codes), codes[k % len(codes)], visit)
              for k, visit in enumerate(_VISITS)]
    plans = {}
    for year in sorted({y for y, _, _ in visits}):
        plans[year] = earlier_plan(year, department)
        secret = hashlib.sha256(f"zsc-demo-history:{seed}:{year}:secret".encode()).hexdigest()
        conn.execute(t.plans.insert().values(
            id=plans[year].id, name=plans[year].name, spec=plan_to_json(plans[year]),
            commitment=hashlib.sha256(bytes.fromhex(secret)).hexdigest(), seed=secret,
            created_at=_created(year)))
        conn.execute(t.plan_departments.insert().values(plan_id=plans[year].id,
                                                        department=department))

    device_key = Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"zsc-demo-history:{seed}:device".encode()).digest())
    device = f"demo-hist-{seed}"[:40]
    conn.execute(t.devices.insert().values(
        id=device, inspector_id=team[0], role="inspector", name=_DEVICE_NAME,
        public_key=public_key_b64(device_key),
        # a token no one holds: this device never syncs
        token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        enrolled_at=_created(min(plans))))

    entities = {row.credit_code: row for row in conn.execute(
        sa.select(t.entities).where(t.entities.c.credit_code.in_(codes)))}
    prev: str | None = None
    ids = []
    withdrawals: list[tuple[str, str, dt.datetime]] = []
    drawn: dict[int, int] = {}
    # in time order: the device's chain and the publication log's leaves follow the calendar
    for seq, (year, code, visit) in enumerate(sorted(visits, key=lambda v: (v[0], v[2].month, v[2].day)),
                                              start=1):
        plan, entity = plans[year], entities[code]
        day = dt.date(year, visit.month, visit.day)
        drawn[year] = n = drawn.get(year, 0) + 1
        task_id = f"{plan.id}-{n:04d}"
        conn.execute(t.tasks.insert().values(
            id=task_id, plan_id=plan.id, credit_code=code, team=team, items=list(_PLAN_ITEMS),
            due=plan.window_end, draw_order=n, created_at=_created(year)))
        failed = visit.outcome in (Outcome.PROBLEM_PENDING, Outcome.PROBLEM_CORRECTED,
                                   Outcome.INFO_FALSIFIED)
        refused = visit.outcome == Outcome.REFUSED_INSPECTION
        items = tuple(RecordItem(code=c, result=(ItemResult.NOT_APPLICABLE if refused else
                                                 ItemResult.FAIL if failed and k == 0 else
                                                 ItemResult.PASS),
                                 note=visit.note if failed and k == 0 else "")
                      for k, c in enumerate(_PLAN_ITEMS))
        started, finished = _at(day, 9, 30), _at(day, 10, 15)
        record = Record(
            id=_uuid(seed, year, n), task_id=task_id, credit_code=code, inspectors=tuple(team),
            items=items, outcome=visit.outcome, note=visit.note if refused else "",
            location=Location(lat=entity.lat if entity.lat is not None else 37.513,
                              lon=entity.lon if entity.lon is not None else 122.121,
                              accuracy_m=15.0, source=LocationSource.DEVICE),
            started_at=_rfc3339(started), finished_at=_rfc3339(finished), device_id=device,
            seq=seq, prev=prev).to_json()
        envelope = sign_record(record, device_key, device)
        digest = record_hash(record)
        prev = digest
        published = _at(day + dt.timedelta(days=5), 10)
        closed = _at(day + dt.timedelta(days=10), 15)
        if visit.disposal is not None:  # closed before publication: the publication carries it
            published = _at(day + dt.timedelta(days=12), 10)
        conn.execute(t.records.insert().values(
            id=record["id"], hash=digest, device_id=device, seq=seq, prev=record["prev"],
            inspector_id=team[0], task_id=task_id, credit_code=code, outcome=visit.outcome.value,
            finished_at=finished, state=RecordState.PUBLISHED.value,
            envelope=json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
            received_at=_at(day, 11), reviewer_id=reviewer,
            reviewed_at=_at(day + dt.timedelta(days=2), 16), published_at=published,
            plan_id=plan.id, industry=entity.industry, region=entity.region,
            risk_grade=entity.risk_grade, draw_order=n, inspected_on=day, published_on=published.date()))
        if visit.disposal is not None:
            conn.execute(t.followups.insert().values(
                record_id=record["id"], disposal=visit.disposal, disposal_date=closed.date(),
                note="", closed_by=reviewer, closed_at=closed))
        number_plan(conn, plan.id, published)
        while withdrawals and withdrawals[0][2] <= published:  # the log's leaves in time order
            withdrawn_id, reason, at = withdrawals.pop(0)
            publication_log.withdraw(conn, withdrawn_id, reason=reason, key=key, now=at)
        publication_log.record_publication(conn, str(record["id"]), key=key, now=published)
        if visit.withdrawn is not None:
            withdrawals.append((str(record["id"]), visit.withdrawn, _at(dt.date(year, 10, 15), 10)))
        ids.append(str(record["id"]))
    for record_id, reason, at in withdrawals:
        publication_log.withdraw(conn, record_id, reason=reason, key=key, now=at)
    return ids


def _created(year: int) -> dt.datetime:
    """When the earlier plan of ``year`` was created and drawn (its tasks' ``created_at``)."""
    return _at(dt.date(year, 4, 1), 9)
