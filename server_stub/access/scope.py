"""Who may see what (DESIGN §11), in one place: a supervisor's department and its plans, a team's
tasks, the photos a device may fetch, and which states count as a result. Every other package asks
here instead of writing its own rule, so one rule cannot say two things.

``Caller`` is what a rule needs of an enrolled device (``field.devices.Device`` is one); it is a
protocol so that this layer, below ``field``, does not import it.
"""

from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.errors import NotAllowed, RecordNotFound
from sync import RESULT_STATES, Role


class Caller(Protocol):
    """An enrolled device as the access rules see it."""

    @property
    def id(self) -> str: ...
    @property
    def inspector_id(self) -> str: ...
    @property
    def role(self) -> str: ...


FINAL_STATES = tuple(sorted(RESULT_STATES))
"""States of a current result: what counts as inspected, on the dashboard and in the ledger."""


def require_supervisor(conn: sa.Connection, device: Caller) -> str:
    """The supervisor's department; 403 for an inspector's device."""
    if device.role != Role.SUPERVISOR:
        raise NotAllowed("supervisors_only", "只有审核人可以进行此操作")
    department: str = conn.execute(sa.select(t.inspectors.c.department)
                                   .where(t.inspectors.c.id == device.inspector_id)).scalar_one()
    return department


def require_own_department(caller_department: str | None, department: str) -> None:
    """403 unless the caller acts for ``department``: a supervisor answers for their own
    department only (a joint plan's partner, issue 26); None is the administrator, who sets up
    for every department."""
    if caller_department is not None and caller_department != department:
        raise NotAllowed("other_department", f"只能以本部门（{caller_department}）的名义答复")


def department_plans(department: str) -> sa.Select[str]:
    return sa.select(t.plan_departments.c.plan_id).where(t.plan_departments.c.department == department)


def department_record(conn: sa.Connection, department: str, record_id: str) -> sa.RowMapping:
    """The record, if it belongs to a plan of ``department``; another department's record is
    answered exactly like one that does not exist (404), so its id reveals nothing."""
    r = t.records
    row = conn.execute(
        sa.select(r, t.tasks.c.plan_id).join(t.tasks, t.tasks.c.id == r.c.task_id)
        .where(r.c.id == record_id, t.tasks.c.plan_id.in_(department_plans(department)))
    ).mappings().first()
    if row is None:
        raise RecordNotFound()
    return row


def on_team(person: str, task_id: sa.ColumnElement[str] | str) -> sa.Exists:
    """Whether ``person`` is on the team of the task ``task_id``."""
    m = t.task_members
    return sa.exists().where(m.c.task_id == task_id, m.c.inspector_id == person)


def photo_visible_to(conn: sa.Connection, device: Caller, sha256: str) -> bool:
    """DESIGN §11: a device sees a photo it sent itself, or one that belongs to a record it may
    see (inspectors: of a task on their team; supervisors: of their department's plans). A photo
    belongs to a record only once the record's own device has sent its bytes (``photo_uploads``),
    so naming someone else's photo hash in a record opens nothing."""
    u, rp, r = t.photo_uploads, t.record_photos, t.records
    if device.role != Role.SUPERVISOR and conn.execute(
            sa.select(u.c.sha256).where(u.c.sha256 == sha256, u.c.device_id == device.id)).first():
        return True
    query = (sa.select(r.c.id).join(rp, rp.c.record_id == r.c.id)
             .join(u, sa.and_(u.c.sha256 == rp.c.sha256, u.c.device_id == r.c.device_id))
             .where(rp.c.sha256 == sha256))
    # A laboratory's report belongs to the record whose item it was attached to (issue 27).
    lab = t.lab_tests
    reports = sa.select(r.c.id).join(lab, lab.c.record_id == r.c.id).where(lab.c.report_sha256 == sha256)
    if device.role == Role.SUPERVISOR:
        plans = department_plans(require_supervisor(conn, device))
        query, reports = query.where(r.c.plan_id.in_(plans)), reports.where(r.c.plan_id.in_(plans))
    else:
        mine = on_team(device.inspector_id, r.c.task_id)
        query, reports = query.where(mine), reports.where(mine)
    return bool(conn.execute(sa.select(sa.or_(query.exists(), reports.exists()))).scalar())
