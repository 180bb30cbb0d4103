"""Reads and writes of the server's tables, as keyword-only functions over a Connection.

Callers own the transaction (``engine.begin()``), so an import either lands whole or not at all,
and with it the audit trail's entry for every row it changed (issue 19).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from server_stub.core import tables as t
from server_stub.core.audit_trail import (
    Act,
    ActKind,
    Actor,
    changed_fields,
    lock_trail,
    record_act,
    record_acts,
)
from server_stub.core.db import in_chunks
from sync import Department, Entity, InspectionItem, Inspector

_BATCH = 5000


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := list(islice(it, _BATCH)):
        yield batch


def _upsert(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows, replacing those whose primary key exists; returns how many rows were written."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    key = [c.name for c in table.primary_key.columns]
    count = 0
    for batch in _batches(rows):
        stmt = dialect.insert(table)
        updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in key}
        conn.execute(stmt.on_conflict_do_update(index_elements=key, set_=updates), batch)
        count += len(batch)
    return count


def item_row(item: InspectionItem) -> dict[str, Any]:
    return {
        "code": item.code, "category": item.category, "name": item.name, "basis": item.basis,
        "method": item.method.value, "department": item.department,
        "checkpoints": list(item.checkpoints), "qualification": item.qualification,
        "industries": list(item.industries), "tags": list(item.tags),
        "specialty": item.specialty,
    }


def entity_row(entity: Entity) -> dict[str, Any]:
    return {
        "credit_code": entity.credit_code, "name": entity.name, "address": entity.address,
        "region": entity.region, "industry": entity.industry,
        "risk_grade": entity.risk_grade.value, "status": entity.status.value,
        "industry_code": entity.industry_code, "tags": list(entity.tags),
        "lat": entity.lat, "lon": entity.lon,
    }


def inspector_row(inspector: Inspector) -> dict[str, Any]:
    return {
        "id": inspector.id, "name": inspector.name, "department": inspector.department,
        "badge_no": inspector.badge_no, "qualifications": list(inspector.qualifications),
        "active": inspector.active, "conflicts": list(inspector.conflicts),
        "kind": inspector.kind.value,
    }


def department_row(department: Department) -> dict[str, Any]:
    return {"name": department.name, "level": department.level.value,
            "region": department.region, "parent": department.parent}


def save_departments(conn: sa.Connection, *, departments: Iterable[Department], actor: Actor) -> int:
    return _save_audited(conn, t.departments, ActKind.DEPARTMENT_SAVED,
                         (department_row(d) for d in departments), actor)


def load_departments(conn: sa.Connection) -> list[Department]:
    query = sa.select(t.departments).order_by(t.departments.c.name)
    return [Department(**row) for row in conn.execute(query).mappings()]


def _save_audited(conn: sa.Connection, table: sa.Table, kind: ActKind,
                  rows: Iterable[dict[str, Any]], actor: Actor) -> int:
    """Adds or updates directory rows, one audit entry per row that is new or changed (with
    every changed field before and after); a row that changes nothing is neither written nor
    recorded. Returns how many rows were read.

    The trail's lock is taken before the rows are read: every write of a directory row is
    audited, so a concurrent import waits for this one's commit and its "before" is what this
    one wrote; and every audited transaction takes that lock before any other it holds at
    once, so two of them cannot deadlock."""
    (key,) = [c.name for c in table.primary_key.columns]
    count = 0
    lock_trail(conn)
    for batch in _batches(rows):
        count += len(batch)
        stored = {row[key]: dict(row) for row in conn.execute(
            sa.select(table).where(table.c[key].in_([r[key] for r in batch]))).mappings()}
        acts, changed = [], []
        for row in batch:
            old = stored.get(row[key])
            if old is None:
                acts.append(Act(kind, row[key], None, row))
            elif (change := changed_fields(old, row)) is not None:
                acts.append(Act(kind, row[key], *change))
            else:
                continue
            changed.append(row)
        _upsert(conn, table, changed)
        record_acts(conn, actor, acts)
    return count


def save_items(conn: sa.Connection, *, items: Iterable[InspectionItem], actor: Actor) -> int:
    return _save_audited(conn, t.items, ActKind.ITEM_SAVED, (item_row(i) for i in items), actor)


def save_entities(conn: sa.Connection, *, entities: Iterable[Entity], actor: Actor) -> int:
    return _save_audited(conn, t.entities, ActKind.ENTITY_SAVED,
                         (entity_row(e) for e in entities), actor)


def save_inspectors(conn: sa.Connection, *, inspectors: Iterable[Inspector], actor: Actor) -> int:
    return _save_audited(conn, t.inspectors, ActKind.INSPECTOR_SAVED,
                         (inspector_row(i) for i in inspectors), actor)


def load_items(conn: sa.Connection, *, codes: Sequence[str] | None = None) -> list[InspectionItem]:
    query = sa.select(t.items).order_by(t.items.c.code)
    if codes is not None:
        query = query.where(t.items.c.code.in_(list(codes)))
    return [InspectionItem(**row) for row in conn.execute(query).mappings()]


def load_entities(conn: sa.Connection, *, codes: Sequence[str] | None = None) -> list[Entity]:
    """Every entity, or those of ``codes`` (read in chunks: a province's draw names tens of
    thousands, more than one statement may bind)."""
    query = sa.select(t.entities).order_by(t.entities.c.credit_code)
    if codes is None:
        return [Entity(**row) for row in conn.execute(query).mappings()]
    found: list[Entity] = []
    for chunk in in_chunks(codes):
        found += [Entity(**row) for row in
                  conn.execute(query.where(t.entities.c.credit_code.in_(chunk))).mappings()]
    return found


def load_inspectors(conn: sa.Connection) -> list[Inspector]:
    query = sa.select(t.inspectors).order_by(t.inspectors.c.id)
    return [Inspector(**row) for row in conn.execute(query).mappings()]


def directory_counts(conn: sa.Connection) -> dict[str, int]:
    """How many items, entities and inspectors are on file (public: no grades)."""
    return {
        name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for name, table in (("items", t.items), ("entities", t.entities),
                            ("inspectors", t.inspectors))
    }


def busiest_inspector(conn: sa.Connection) -> str | None:
    """The id of the inspector with the most tasks (ties: smallest id), or None if none has any."""
    m = t.task_members
    query = (
        sa.select(m.c.inspector_id)
        .group_by(m.c.inspector_id)
        .order_by(sa.func.count().desc(), m.c.inspector_id)
        .limit(1)
    )
    return conn.execute(query).scalar()


def save_holidays(conn: sa.Connection, *, days: dict[dt.date, bool], actor: Actor) -> int:
    """The administrator's holiday notice: each day a holiday (False) or adjusted working day.
    One audit entry for the file, naming its years, with the days it set before and after."""
    h = t.holidays
    before = {row.day.isoformat(): row.workday for row in conn.execute(
        sa.select(h.c.day, h.c.workday).where(h.c.day.in_(list(days))))}
    years = ",".join(str(y) for y in sorted({d.year for d in days}))
    record_act(conn, actor, ActKind.HOLIDAYS_LOADED, years, before=before,
               after={d.isoformat(): workday for d, workday in sorted(days.items())})
    return _upsert(conn, h, ({"day": day, "workday": workday} for day, workday in days.items()))


def colleague_without_tasks(conn: sa.Connection, inspector_id: str) -> str | None:
    """An active inspector of ``inspector_id``'s department with no task (a demo's supervisor)."""
    i, m = t.inspectors, t.task_members
    department = sa.select(i.c.department).where(i.c.id == inspector_id).scalar_subquery()
    query = (
        sa.select(i.c.id)
        .where(i.c.department == department, i.c.active.is_(True), i.c.kind == "执法人员",
               i.c.id.not_in(sa.select(m.c.inspector_id)))
        .order_by(i.c.id)
        .limit(1)
    )
    return conn.execute(query).scalar()
