"""回避 asked on site (《行政处罚法》: the enterprise may ask that an inspector withdraw).

The inspection does not go ahead with that inspector: the phone records the request (the
enterprise's reason, which inspector, when) and sends it here, and the task goes back to the
supervisors of its plan's departments, who see it with the reason and arrange a new team. A
request is sent by a device of the task's team, names one of the team, and is safe to repeat:
its id is made on the phone, the same id with the same content is answered 200, with other
content 409.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.clock import as_utc, rfc3339
from server_stub.core.errors import Conflict, Invalid, NotFound
from server_stub.field.devices import Device
from sync import MAX_NOTE_LENGTH, ValidationError, parse_rfc3339

_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def request_recusal(conn: sa.Connection, device: Device, task_id: str, body: dict[str, Any], *,
                    now: dt.datetime) -> int:
    """Store the request; 201 when new, 200 when this very request was stored already."""
    team = conn.execute(sa.select(t.tasks.c.team).where(t.tasks.c.id == task_id)).scalar()
    if team is None or device.inspector_id not in team:
        raise NotFound("task_not_found", "任务不存在，或本设备的执法检查人员不在该任务的检查组中")
    request_id, inspector, reason = body.get("id"), body.get("inspector_id"), body.get("reason")
    if not isinstance(request_id, str) or not _UUID4.fullmatch(request_id):
        raise Invalid("invalid_recusal", "回避申请编号应为小写的第4版UUID")
    if inspector not in team:
        raise Invalid("invalid_recusal", "申请回避的人员不在该任务的检查组中")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_NOTE_LENGTH:
        raise Invalid("invalid_recusal", f"请写明回避理由（不超过{MAX_NOTE_LENGTH}个字符）")
    try:
        requested_at = parse_rfc3339(body.get("requested_at"), field="requested_at", label="申请时间")
    except ValidationError as e:
        raise Invalid("invalid_recusal", str(e)) from None
    values = {"task_id": task_id, "inspector_id": inspector, "reason": reason.strip(),
              "requested_at": requested_at.astimezone(dt.UTC)}
    r = t.recusal_requests
    stored = conn.execute(sa.select(r.c.task_id, r.c.inspector_id, r.c.reason, r.c.requested_at)
                          .where(r.c.id == request_id)).mappings().first()
    if stored is not None:
        same = {**stored, "requested_at": as_utc(stored["requested_at"])} == values
        if not same:
            raise Conflict("id_conflict", "该回避申请编号已用于内容不同的另一申请")
        return 200
    conn.execute(r.insert().values(id=request_id, device_id=device.id, received_at=now, **values))
    return 201


def for_department(conn: sa.Connection, department: str) -> list[dict[str, Any]]:
    """The requests on tasks of ``department``'s plans, newest first (at most 200)."""
    r, tk, e, i, pd = (t.recusal_requests, t.tasks, t.entities, t.inspectors, t.plan_departments)
    rows = conn.execute(
        sa.select(r.c.id, r.c.task_id, r.c.reason, r.c.requested_at, r.c.inspector_id,
                  i.c.name.label("inspector_name"), tk.c.credit_code, e.c.name.label("entity_name"))
        .join(tk, tk.c.id == r.c.task_id).join(e, e.c.credit_code == tk.c.credit_code)
        .join(i, i.c.id == r.c.inspector_id)
        .where(tk.c.plan_id.in_(sa.select(pd.c.plan_id).where(pd.c.department == department)))
        .order_by(r.c.requested_at.desc(), r.c.id).limit(200)).mappings()
    return [{**row, "requested_at": rfc3339(row["requested_at"])} for row in rows]
