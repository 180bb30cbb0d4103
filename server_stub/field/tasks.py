"""Tasks as a device sees them (DESIGN §5 ``GET /api/v1/tasks``): never a risk grade.

Each task carries the enterprise's earlier inspections that the inspector's department may see
(``access.history``), so that the phone has them at the enterprise's door, offline."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.access.history import department_of, visible_history
from server_stub.core import clock
from server_stub.core import tables as t
from server_stub.directory import queries
from server_stub.field.inspection_code import code_payload, sign_code
from sync import TaskJson, TaskRecord, TeamMemberJson


def tasks_for_inspector(conn: sa.Connection, inspector_id: str, key: Ed25519PrivateKey, *,
                        due_days: int, today: dt.date | None = None) -> list[TaskJson]:
    """Every released task whose team includes ``inspector_id``, in due-date order, with its
    signed code and the enterprise's visible history (the task's own record left out: it is no
    history). A task of a later batch (分批次派发) reaches the phone from its release day on
    (``today``, China time; default: now)."""
    today = today or clock.china_date(clock.now())
    tk = t.tasks
    task_ids = (sa.select(t.task_members.c.task_id)
                .join(tk, tk.c.id == t.task_members.c.task_id)
                .where(t.task_members.c.inspector_id == inspector_id,
                       sa.or_(tk.c.release_on.is_(None), tk.c.release_on <= today)))
    query = (
        sa.select(t.tasks, t.plans.c.spec, t.entities.c.name.label("entity_name"),
                  t.entities.c.address, t.entities.c.region, t.entities.c.industry,
                  t.entities.c.lat, t.entities.c.lon)
        .join(t.plans, t.plans.c.id == t.tasks.c.plan_id)
        .join(t.entities, t.entities.c.credit_code == t.tasks.c.credit_code)
        .where(t.tasks.c.id.in_(task_ids))
        .order_by(t.tasks.c.due, t.tasks.c.id)
    )
    rows = conn.execute(query).mappings().all()
    item_codes = {code for row in rows for code in row["items"]}
    people = {code for row in rows for code in row["team"]}
    items = {i.code: i for i in queries.load_items(conn, codes=sorted(item_codes))}
    i = t.inspectors
    team: dict[str, TeamMemberJson] = {
        r["id"]: {"id": r["id"], "name": r["name"], "badge_no": r["badge_no"], "kind": r["kind"]}
        for r in conn.execute(sa.select(i.c.id, i.c.name, i.c.badge_no, i.c.kind)
                              .where(i.c.id.in_(sorted(people)))).mappings()
    }
    latest = latest_records(conn, [row["id"] for row in rows])
    history = visible_history(conn, sa.select(t.tasks.c.credit_code).where(t.tasks.c.id.in_(task_ids)),
                              department_of(conn, inspector_id), due_days=due_days)
    result: list[TaskJson] = []
    for row in rows:
        members = [team[i] for i in row["team"]]
        payload = code_payload(
            task_id=row["id"], credit_code=row["credit_code"], entity_name=row["entity_name"],
            team=members, window_start=dt.date.fromisoformat(row["spec"]["window_start"]),
            due=row["due"],
        )
        result.append({
            "id": row["id"],
            "plan_id": row["plan_id"],
            "plan_name": row["spec"]["name"],
            "credit_code": row["credit_code"],
            "entity": {"name": row["entity_name"], "address": row["address"],
                       "region": row["region"], "industry": row["industry"],
                       # The registered address's position, or nulls: the directory may not have it.
                       "lat": row["lat"], "lon": row["lon"]},
            "items": [
                {"code": c, "name": items[c].name, "category": items[c].category,
                 "basis": items[c].basis, "method": items[c].method.value,
                 "department": items[c].department, "checkpoints": list(items[c].checkpoints),
                 "specialty": items[c].specialty}
                for c in row["items"] if c in items
            ],
            "team": members,
            "due": row["due"].isoformat(),
            "code_token": sign_code(payload, key),
            "record": latest.get(row["id"]),
            "history": [entry for task_id, entry in history.get(row["credit_code"], [])
                        if task_id != row["id"]],
            # the plan's 检查方案 (issue 26), null when it has none
            "scheme": None if not (scheme := row["spec"].get("scheme")) else {
                "content": scheme["content"], "schedule": scheme["schedule"],
                "method": scheme["method"]},
        })
    return result


def latest_records(conn: sa.Connection, task_ids: list[str]) -> dict[str, TaskRecord]:
    """The current record of each task (id, hash, state, and the reviewer's comment)."""
    r = t.records
    rows = conn.execute(
        sa.select(r.c.task_id, r.c.id, r.c.hash, r.c.state, r.c.review_comment)
        .where(r.c.task_id.in_(task_ids), r.c.superseded.is_(False))
        .order_by(r.c.received_at, r.c.seq)
    ).mappings()
    return {row["task_id"]: {"id": row["id"], "hash": row["hash"], "state": row["state"],
                             "comment": row["review_comment"]}
            for row in rows}
