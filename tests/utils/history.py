"""Earlier inspections written straight into a platform database, for the history tests and the
task-sync bench: a plan of given departments, a task and a current record per inspection.

Only the columns the history reads are meaningful; the envelope is a placeholder (nothing here
re-verifies it), which is why this lives with the tests and not in the platform.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from server_stub.core import tables as t
from sync import Outcome, RecordState

_NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Earlier:
    """One earlier inspection to write."""

    credit_code: str
    departments: tuple[str, ...]
    inspected_on: dt.date
    outcome: Outcome = Outcome.NO_PROBLEM
    state: RecordState = RecordState.PUBLISHED
    disposal: str | None = None
    """The follow-up's disposal (立案 …) when closed; None leaves a 待后续处理 open."""
    plan_name: str = "往年抽查计划"


def _device_of(conn: sa.Connection, inspector: str) -> str:
    """A device of ``inspector`` for the records' foreign key, made once."""
    found = conn.execute(sa.select(t.devices.c.id).where(t.devices.c.inspector_id == inspector,
                                                         t.devices.c.name == "history-fixture")).scalar()
    if found:
        return str(found)
    device = f"hist-{uuid.uuid4().hex[:12]}"
    conn.execute(t.devices.insert().values(
        id=device, inspector_id=inspector, role="inspector", name="history-fixture",
        public_key="A" * 43, token_hash=hashlib.sha256(device.encode()).hexdigest(), enrolled_at=_NOW))
    return device


def add_earlier(conn: sa.Connection, earlier: Earlier, inspector: str) -> str:
    """Write ``earlier`` as ``inspector``'s result (plan, task, record, follow-up); its record id."""
    n = next(_numbers)
    plan_id = f"hist-{uuid.uuid4().hex[:10]}"
    conn.execute(t.plans.insert().values(
        id=plan_id, name=earlier.plan_name, spec={"name": earlier.plan_name}, commitment="0" * 64,
        seed="0" * 32, created_at=_NOW))
    conn.execute(t.plan_departments.insert(), [{"plan_id": plan_id, "department": d}
                                               for d in earlier.departments])
    task_id = f"{plan_id}-{earlier.credit_code}"
    conn.execute(t.tasks.insert().values(
        id=task_id, plan_id=plan_id, credit_code=earlier.credit_code, team=[inspector], items=[],
        due=earlier.inspected_on, draw_order=1, created_at=_NOW))
    device = _device_of(conn, inspector)
    seq = (conn.execute(sa.select(sa.func.max(t.records.c.seq))
                        .where(t.records.c.device_id == device)).scalar() or 0) + 1
    record_id = str(uuid.uuid4())
    finished = dt.datetime.combine(earlier.inspected_on, dt.time(2, 0), tzinfo=dt.UTC)
    conn.execute(t.records.insert().values(
        id=record_id, hash=hashlib.sha256(record_id.encode()).hexdigest(), device_id=device, seq=seq,
        inspector_id=inspector, task_id=task_id, credit_code=earlier.credit_code,
        outcome=earlier.outcome.value, finished_at=finished, state=earlier.state.value,
        envelope="{}", received_at=finished + dt.timedelta(minutes=n % 60), plan_id=plan_id,
        industry="", region="", risk_grade="D", draw_order=1, inspected_on=earlier.inspected_on,
        published_on=earlier.inspected_on if earlier.state == RecordState.PUBLISHED else None))
    if earlier.disposal is not None:
        conn.execute(t.followups.insert().values(
            record_id=record_id, disposal=earlier.disposal, disposal_date=earlier.inspected_on,
            note="", closed_by=inspector, closed_at=finished))
    return record_id
